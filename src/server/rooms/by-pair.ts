/**
 * Something kept for each (sender, target) pair of a room's members, made on the pair's first use. The
 * room's signal and relay budgets are kept per pair: what must be bounded is what one member can push at
 * one other.
 *
 * A member who leaves keeps their pairs, both ways, for `keepMs` after: a leave and rejoin must not buy a
 * fresh budget. (It did: a member spent its relay burst on a target whose link had stalled, left, rejoined,
 * spent another, and so on until the target's send queue overflowed and its socket was cut. The target's
 * own leave and rejoin must not reset what the others may push at its queue either: the queue stays.)
 * Nothing can use a pair while one side is out of the room, so `keepMs` after the leave (the time its
 * budget takes to refill from empty) the pair holds nothing a new one would not, and it goes. A room so
 * keeps pairs for its members and for those who left in the last `keepMs`, not for every player that ever
 * passed through it. Leaves and joins do that sweeping (each costs what the expired leavers' pairs do),
 * so the per-message `get` stays a pair of map look-ups and no timer is needed.
 */
export class ByPair<T> {
  readonly #keepMs: number;
  readonly #bySender = new Map<string, Map<string, T>>();
  /** When each former member left, the earliest first: a leave moves the player to the end. */
  readonly #leftAt = new Map<string, number>();

  /** `keepMs`: how long after a member's leave its pairs are kept (the time they take to refill). */
  constructor(keepMs: number) {
    this.#keepMs = keepMs;
  }

  /** The pair's value, made with `make` if it has none yet. */
  get(from: string, to: string, make: () => T): T {
    let byTarget = this.#bySender.get(from);
    if (!byTarget) {
      byTarget = new Map();
      this.#bySender.set(from, byTarget);
    }
    let value = byTarget.get(to);
    if (value === undefined) {
      value = make();
      byTarget.set(to, value);
    }
    return value;
  }

  /** A member left at `now`: their pairs, as sender and as target, go once `keepMs` has passed. */
  left(playerId: string, now: number): void {
    this.#leftAt.delete(playerId);
    this.#leftAt.set(playerId, now);
    this.#dropExpired(now);
  }

  /** A player was seated at `now`: the pairs they left behind, if any, are theirs again (kept for good). */
  seated(playerId: string, now: number): void {
    this.#leftAt.delete(playerId);
    this.#dropExpired(now);
  }

  /** Pairs kept now (for tests and diagnostics: it walks every sender). */
  get size(): number {
    let pairs = 0;
    for (const byTarget of this.#bySender.values()) pairs += byTarget.size;
    return pairs;
  }

  /** Forgets the pairs of those who left at least `keepMs` ago and have not been seated since. */
  #dropExpired(now: number): void {
    for (const [playerId, at] of this.#leftAt) {
      // In leave order: the first one still kept ends the sweep (a clock that stepped back only delays it).
      if (now - at < this.#keepMs) return;
      this.#leftAt.delete(playerId);
      this.#forget(playerId);
    }
  }

  /** Forgets a player's pairs, as sender and as target. */
  #forget(playerId: string): void {
    this.#bySender.delete(playerId);
    for (const byTarget of this.#bySender.values()) byTarget.delete(playerId);
  }
}
