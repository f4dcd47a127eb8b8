import { memberName } from './member-name.js';

/**
 * What the console is told, once per RoomSync, when a member stalls and the room never called
 * `sync.receive`: a room that forgets to pass its `onLinkMessage` calls on (a room with no inputs has no
 * other reason to write one) saw every member's state stop changing 128 snapshots after its join, the
 * clients applying empty snapshots, and nothing said anywhere.
 */
export function unwiredAcksWarning(member: unknown): string {
  return (
    `vehikill-net: RoomSync: ${memberName(member)} acked none of the last 128 snapshots, and the room has ` +
    'passed no link message to sync.receive, where acks come in: call ' +
    "`this.sync.receive(client, channel, bytes)` from the room's onLinkMessage for every message " +
    "(docs/sync.md), and give each client a SyncedState on client.serverLink; until then every member's " +
    'state stops changing 128 snapshots after its join'
  );
}
