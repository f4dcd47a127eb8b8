import { TokenBucket } from '../../common/index.js';

/** How much relayed peer data one member may push at another (see GameServerOptions). */
export interface RelayLimits {
  /** Bytes of relayed data (as relayed) one member may send another in a burst. */
  relayBytesBurst: number;
  /** Bytes of relayed data per second one member may sustain towards another. */
  relayBytesPerSecond: number;
}

/**
 * The relay budget of each member towards each other member: a byte token bucket per pair. Relayed
 * `event` and `dispatch` data go into the target's send queue as expiring and reliable messages, which
 * the queue may not drop, and the connection's own rate lets a member send 240 of up to 16 KiB at once
 * and 120 a second after: through the relay alone that filled a slow target's 1 MiB send queue and cut
 * its socket off. Per pair rather than per sender, as for signals (SignalBudgets): on the relay path a
 * player's game traffic goes to every other member, and what must be bounded is what one member can
 * push at one target, not how many targets it has.
 */
export class RelayBudgets {
  readonly #limits: RelayLimits;
  readonly #bySender = new Map<string, Map<string, TokenBucket>>();

  constructor(limits: RelayLimits) {
    this.#limits = limits;
  }

  /** Takes `bytes` from the budget of `from` towards `to`; false when over it (the data must not go). */
  admit(from: string, to: string, now: number, bytes: number): boolean {
    let byTarget = this.#bySender.get(from);
    if (!byTarget) {
      byTarget = new Map();
      this.#bySender.set(from, byTarget);
    }
    let budget = byTarget.get(to);
    if (!budget) {
      budget = new TokenBucket(this.#limits.relayBytesBurst, this.#limits.relayBytesPerSecond, now);
      byTarget.set(to, budget);
    }
    return budget.take(now, bytes);
  }

  /** Forgets a member's budgets, both ways (they left: a rejoin starts afresh). */
  forget(playerId: string): void {
    this.#bySender.delete(playerId);
    for (const byTarget of this.#bySender.values()) byTarget.delete(playerId);
  }
}
