import { memberName, roomName } from './member-name.js';

/**
 * What the console is told, once per RoomSync, when a member stalls and the room never called
 * `sync.receive`: a room that forgets to pass its `onLinkMessage` calls on (a room with no inputs has no
 * other reason to write one) saw every member's state stop changing 128 snapshots after its join, the
 * clients applying empty snapshots, and nothing said anywhere.
 *
 * A member whose client has sent nothing on its server link gave the room nothing to pass on: such a client
 * runs no SyncedState (a load test's players, which only chat), the room may be wired right, and the line
 * once told the operator of a game to rewire a room that was fine.
 */
export function unwiredAcksWarning(room: unknown, member: unknown): string {
  const stalled = `vehikill-net: RoomSync${roomName(room)}: ${memberName(member)} acked none of the last 128 snapshots`;
  const wiring =
    "`this.sync.receive(client, channel, bytes)` from the room's onLinkMessage for every message (docs/sync.md)";
  if (sentNothingOnLink(member)) {
    return (
      `${stalled}, and its client has sent nothing on its server link: a client without a SyncedState on ` +
      "client.serverLink (a load test's players, which only chat) acks nothing and is sent empty snapshots " +
      `(docs/sync.md). If this room's players do run one, check that the room calls ${wiring}`
    );
  }
  return (
    `${stalled}, and the room has passed no link message to sync.receive, where acks come in: call ` +
    `${wiring}, and give each client a SyncedState on client.serverLink; until then every member's ` +
    'state stops changing 128 snapshots after its join'
  );
}

/**
 * The member's client has sent no message on its server link's channels (keepalives are not counted), on
 * either path: a room client's `link`; false for a member without one.
 */
function sentNothingOnLink(member: unknown): boolean {
  const link = (member as { readonly link?: { stats?: () => { messagesReceived: number } } }).link;
  return typeof link?.stats === 'function' && link.stats().messagesReceived === 0;
}
