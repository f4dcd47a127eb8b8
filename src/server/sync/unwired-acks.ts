import { memberName } from './member-name.js';

/**
 * What the console is told, once per RoomSync, when a member stalls and the room never called
 * `sync.receive`: a room that forgets to pass its `onLinkMessage` calls on (a room with no inputs has no
 * other reason to write one) saw every member's state stop changing 128 snapshots after its join, the
 * clients applying empty snapshots, and nothing said anywhere.
 */
export function unwiredAcksWarning(room: unknown, member: unknown): string {
  return (
    `vehikill-net: RoomSync${roomName(room)}: ${memberName(member)} acked none of the last 128 snapshots, and the room has ` +
    'passed no link message to sync.receive, where acks come in: call ' +
    "`this.sync.receive(client, channel, bytes)` from the room's onLinkMessage for every message " +
    "(docs/sync.md), and give each client a SyncedState on client.serverLink; until then every member's " +
    'state stops changing 128 snapshots after its join'
  );
}

/**
 * ` of room <type> <id>` for a hosted Room, whose `type` and `roomId` name it; nothing for a room-like
 * object of the app's own (RoomSync needs only its clients and clock), or a getter that throws.
 */
function roomName(room: unknown): string {
  try {
    const { roomId, type } = room as { readonly roomId?: unknown; readonly type?: unknown };
    if (typeof roomId !== 'string') return '';
    return typeof type === 'string' ? ` of room ${type} ${roomId}` : ` of room ${roomId}`;
  } catch {
    return '';
  }
}
