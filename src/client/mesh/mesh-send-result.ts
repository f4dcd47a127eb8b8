/**
 * Why `mesh.trySend` did not take a message:
 * - `closed`: the mesh is closed (`mesh.close()`, or the room was left);
 * - `self`: the player id is this player's own;
 * - `not-in-room`: no member of the room has that id (never was, or left: its link closed);
 * - `blocked`: this player blocked that one (`mesh.block`);
 * - `too-large`: over what either path carries (16 KiB; `dispatch` 16,374 bytes);
 * - `backlog`: `dispatch` only: 4,096 messages (or 4 MiB) to that peer wait for its acks, as when the peer
 *   stopped reading; `phys` and `event` are never refused for it (a path that cannot keep up drops them,
 *   counted in `stats().sendDrops`).
 */
export type MeshSendRefusal = 'closed' | 'self' | 'not-in-room' | 'blocked' | 'too-large' | 'backlog';

/** What became of a message given to `mesh.trySend`. */
export type MeshSendResult = 'sent' | MeshSendRefusal;
