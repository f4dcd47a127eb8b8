import { memberName, roomName } from './member-name.js';

/** A fingerprint as the log line writes it: `0x` and eight hex digits. */
export function fingerprintText(fingerprint: number): string {
  return `0x${(fingerprint >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * What the console is told when a member's client says it cannot read this room's snapshots, its entity
 * types being other than the room's (`SyncTag.typesDiffer`): once per RoomSync for each fingerprint of the
 * clients', as a deploy can leave a whole room of players on the page from before it. Without the line,
 * such a client was sent full states at its rate for as long as it stayed, and nothing said why its
 * player saw nothing.
 */
export function typesMismatchWarning(room: unknown, member: unknown, server: number, client: number): string {
  return (
    `vehikill-net: RoomSync${roomName(room)}: ${memberName(member)}'s client has other entity types ` +
    `(fingerprint ${fingerprintText(client)}) than this room's (${fingerprintText(server)}), so it can read ` +
    'none of its snapshots: it is sent no more state, and its SyncedState emits SYNC_TYPES_MISMATCH (reload ' +
    "the page). Usually a page loaded before a deploy; if not, the client's types are not the room's " +
    '(the same list, in the same order, declared alike: docs/sync.md)'
  );
}
