import type { TokenBucket } from '../../common/index.js';
import { peerOfferBudget } from '../peer-offer-budget.js';

/** Budgets kept at most; past that the oldest goes (a room seats 16 at most). */
const MAX_KEPT = 64;

/**
 * The offer budgets (see peer-offer-budget.ts) of peers voice no longer has a connection to: they left
 * the room, or proximity voice dropped them. Each is kept for the peer's return until it has refilled,
 * when it holds nothing a fresh one would not. The server keeps its signal budgets across a rejoin
 * (ByPair): a fresh budget per return let a peer send offers, leave, rejoin, offers... and have each
 * burst answered, and the answers and candidates went against this side's own budget towards it, until
 * the server cut this honest side off for signaling too much.
 */
export class KeptOfferBudgets {
  readonly #kept = new Map<string, TokenBucket>();

  /** The peer's budget: the one kept from its last connection if it has not refilled, or a fresh one. */
  take(peerId: string, now: number): TokenBucket {
    const kept = this.#kept.get(peerId);
    this.#kept.delete(peerId);
    return kept !== undefined && !kept.full(now) ? kept : peerOfferBudget(now);
  }

  /** Keeps a dropped peer's budget for its return. */
  keep(peerId: string, budget: TokenBucket, now: number): void {
    for (const [id, kept] of this.#kept) if (kept.full(now)) this.#kept.delete(id);
    this.#kept.delete(peerId);
    if (budget.full(now)) return;
    this.#kept.set(peerId, budget);
    if (this.#kept.size > MAX_KEPT) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
  }
}
