import { TokenBucket } from '../../common/index.js';

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
  readonly #messages: TokenBucket;
  readonly #faults: TokenBucket;

  constructor(limits: AbuseLimits, now: number) {
    this.#messages = new TokenBucket(limits.rateBurst, limits.ratePerSecond, now);
    this.#faults = new TokenBucket(limits.errorBudget, limits.errorRefillPerSecond, now);
  }

  /** False when the message is over the rate and must be dropped. */
  admit(now: number): boolean {
    return this.#messages.take(now);
  }

  /**
   * Records a fault; true when the budget was spent and the connection must go. Not for good: the guard
   * outlives a connection, and a session whose stale socket spent it is judged by what has refilled since.
   */
  fault(now: number): boolean {
    return !this.#faults.take(now);
  }
}
