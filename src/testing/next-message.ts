import type { RoomConnection } from '../client/index.js';
import { messageLine, type ReceivedMessage } from './message-lines.js';
import { checkTimeout, DEFAULT_WAIT_MS, within } from './wait-timeout.js';

export type { ReceivedMessage } from './message-lines.js';

/**
 * Resolves with the next message of `type` the room delivers on this client, or rejects with a
 * WaitTimeoutError naming the type and the room after `timeoutMs` (default 5 s).
 *
 * The wait is a handler of its own beside the app's: the app's handlers of `type` still get the message
 * (a room connection calls every handler of a type). The wait's handler is gone once it times out, or by
 * the event loop's next turn once it resolves: until then, messages of `type` that came right behind the
 * one that resolved it (in the same read off the socket, before the test could start another wait) are
 * kept for the next waits, each for one, in order, so that waits in a row miss none. While it waits, a
 * message of `type` is no longer one "with no handler of its own": the app's `onMessage('*')` does not see
 * that one. Like any handler, it takes the messages of `type` that came before one was registered (the
 * room's first second): the oldest resolves it, the others are kept as above, so register the app's own
 * handler first if it must see them.
 */
export function nextMessage<In extends Record<string, unknown>, T extends keyof In & string>(
  room: RoomConnection<In, never, never>,
  type: T,
  options: { timeoutMs?: number } = {},
): Promise<ReceivedMessage<In[T]>> {
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_WAIT_MS);
  if (type === '*') throw new TypeError("nextMessage waits for one type, not '*'");
  let giveUp: (() => void) | undefined;
  const arrived = new Promise<ReceivedMessage<In[T]>>((resolve) => {
    giveUp = messageLine(room as RoomConnection, type).wait(resolve as (message: ReceivedMessage) => void);
  });
  return within(arrived, `a '${type}' message in room ${room.roomId}`, timeoutMs, () => giveUp?.());
}
