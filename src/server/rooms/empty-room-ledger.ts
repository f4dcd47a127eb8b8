/**
 * The empty rooms each creator has left behind. A room counts against the creators it was made by (its
 * creator's address and identity: one address may be a NAT of many honest players, one identity may come
 * from many addresses) while it is empty and waits for its empty-room timer. When a room empties and a
 * creator of it then has more than `maxPerCreator` such rooms, its oldest are to be disposed at once:
 * they have no one in them, so no player loses anything, and a creator creating rooms in a loop only
 * recycles its own instead of filling the node.
 *
 * Pure bookkeeping: the caller says what is empty (`vacant`) and disposes what it is told to. Memory is
 * bounded by the rooms alive: `forget` drops a room when it is disposed.
 */
export class EmptyRoomLedger {
  readonly #maxPerCreator: number;
  /** The creators of each live room. */
  readonly #creatorsOf = new Map<string, readonly string[]>();
  /** By creator, its rooms that were empty when last looked at, the longest empty first. */
  readonly #emptyBy = new Map<string, Set<string>>();

  constructor(maxPerCreator: number) {
    this.#maxPerCreator = maxPerCreator;
  }

  /** `roomId` was created by `creators` (keys that cannot collide, e.g. 'address 1.2.3.4', 'user u1'). */
  created(roomId: string, creators: readonly string[]): void {
    this.#creatorsOf.set(roomId, creators);
  }

  /**
   * `roomId` is empty now. Returns the rooms to dispose so that no creator of it is left with more than
   * the bound: each creator's longest empty first, among those `vacant` says are still empty (a room
   * someone has joined or is joining since no longer counts, and is never to be disposed for this).
   */
  emptied(roomId: string, vacant: (roomId: string) => boolean): string[] {
    const excess = new Set<string>();
    for (const creator of this.#creatorsOf.get(roomId) ?? []) {
      let rooms = this.#emptyBy.get(creator);
      if (!rooms) {
        rooms = new Set();
        this.#emptyBy.set(creator, rooms);
      }
      // Emptied again after having had players: the newest empty room now.
      rooms.delete(roomId);
      rooms.add(roomId);
      for (const room of rooms) if (room !== roomId && !vacant(room)) rooms.delete(room);
      let over = rooms.size - this.#maxPerCreator;
      for (const room of rooms) {
        if (over <= 0) break;
        excess.add(room);
        over--;
      }
    }
    return [...excess];
  }

  /** The room is gone (disposed, or never listed): it counts against no one any more. */
  forget(roomId: string): void {
    for (const creator of this.#creatorsOf.get(roomId) ?? []) {
      const rooms = this.#emptyBy.get(creator);
      rooms?.delete(roomId);
      if (rooms?.size === 0) this.#emptyBy.delete(creator);
    }
    this.#creatorsOf.delete(roomId);
  }

  /** Rooms `creator` left empty, as last looked at (for monitoring and tests). */
  emptyCount(creator: string): number {
    return this.#emptyBy.get(creator)?.size ?? 0;
  }

  /** Creators with an empty room counted against them. */
  get creators(): number {
    return this.#emptyBy.size;
  }
}
