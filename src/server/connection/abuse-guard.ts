import { StallCreditedBucket } from './stall-credited-bucket.js';

export interface AbuseLimits {
  /** Messages a player (its session, across reconnects) may send in a burst. */
  rateBurst: number;
  /** Messages per second a player may sustain. */
  ratePerSecond: number;
  /** Faults (bad frames, rate-limit hits) tolerated in a burst before the player is cut off. */
  errorBudget: number;
  /** Faults forgiven per second. */
  errorRefillPerSecond: number;
}

/**
 * A player's message rate limit and fault budget: bad input costs the sender, never anyone else. A
 * connection has one of its own until its hello; then its session's, which every connection that resumes
 * the session takes over.
 */
export class AbuseGuard {
  readonly #messages: StallCreditedBucket;
  readonly #faults: StallCreditedBucket;
  /** Bare messages dropped over the rate since the last one that cost a fault (see `dropped`). */
  readonly #dropsPerFault: number;
  #drops = 0;
  #toldAt = Number.NEGATIVE_INFINITY;

  /** `stalledMs`: the server's loop stalls so far (`LoopStalls.stalledMs(now)`). */
  constructor(limits: AbuseLimits, now: number, stalledMs: number) {
    this.#messages = new StallCreditedBucket(limits.rateBurst, limits.ratePerSecond, now, stalledMs);
    this.#faults = new StallCreditedBucket(limits.errorBudget, limits.errorRefillPerSecond, now, stalledMs);
    this.#dropsPerFault = Math.max(1, Math.round(limits.ratePerSecond));
  }

  /**
   * False when the message is over the rate and must be dropped. `stalledMs`: the server's loop stalls so
   * far, which the rate does not hold against the player (see `StallCreditedBucket`).
   */
  admit(now: number, stalledMs: number): boolean {
    return this.#messages.take(now, stalledMs);
  }

  /**
   * A bare message was dropped over the rate: whether that costs a fault, and whether to tell the sender.
   * A fault per `ratePerSecond` drops, the first at once: a client a little over its rate (a burst after a
   * stall, a client of another engine without our pacing) loses messages and is told, not its session;
   * a flood of thousands a second spends the budget within a second. Told at most once a second: a notice
   * per drop would answer a flood with one.
   */
  dropped(now: number): { fault: boolean; tell: boolean } {
    const fault = this.#drops === 0;
    this.#drops = (this.#drops + 1) % this.#dropsPerFault;
    const tell = now - this.#toldAt >= 1_000;
    if (tell) this.#toldAt = now;
    return { fault, tell };
  }

  /**
   * Records a fault; true when the budget was spent and the connection must go. Not for good: the guard
   * outlives a connection, and a session whose stale socket spent it is judged by what has refilled since.
   * `stalledMs`: the server's loop stalls so far. Faults read all at once after a stall (what a client
   * sent at a pace the budget forgives, held in its socket meanwhile) are judged as they were sent, like
   * messages (see `admit`).
   */
  fault(now: number, stalledMs: number): boolean {
    return !this.#faults.take(now, stalledMs);
  }
}
