/**
 * vehikill-net/testing: a kit for an app's own tests of its rooms, in Node (it starts a GameServer and
 * makes clients with `ws`): a started game, waits for a room message, for the server to have handled a
 * client's sends, for a synced state's next snapshot, and for a condition; and a dropped connection.
 */
export { serverCaughtUp } from './caught-up.js';
export { dropConnection } from './drop-connection.js';
export { eventually } from './eventually.js';
export { nextMessage, type ReceivedMessage } from './next-message.js';
export { type AppliedSnapshot, type NextSnapshotOptions, nextSnapshot } from './next-snapshot.js';
export { testClient } from './test-client.js';
export { startTestGame, type TestGame, type TestRooms } from './test-game.js';
export { DEFAULT_WAIT_MS, WaitTimeoutError } from './wait-timeout.js';
