/**
 * Something kept for each (sender, target) pair of a room's members, made on the pair's first use; a
 * member's go, both ways, when they leave (a rejoin starts afresh). The room's signal and relay budgets
 * are kept per pair: what must be bounded is what one member can push at one other.
 */
export class ByPair<T> {
  readonly #bySender = new Map<string, Map<string, T>>();

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

  /** Forgets a member's pairs, as sender and as target. */
  forget(playerId: string): void {
    this.#bySender.delete(playerId);
    for (const byTarget of this.#bySender.values()) byTarget.delete(playerId);
  }
}
