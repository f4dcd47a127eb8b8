import { TokenBucket } from '../../common/index.js';

export interface AbuseLimits {
  /** Messages a connection may send in a burst. */
  rateBurst: number;
  /** Messages per second a connection may sustain. */
  ratePerSecond: number;
  /** Faults (bad frames, rate-limit hits) tolerated in a burst before the connection is cut off. */
  errorBudget: number;
  /** Faults forgiven per second. */
  errorRefillPerSecond: number;
}

/** Per-connection rate limit and fault budget: bad input costs the sender, never anyone else. */
export class AbuseGuard {
  readonly #messages: TokenBucket;
  readonly #faults: TokenBucket;
  #exhausted = false;

  constructor(limits: AbuseLimits, now: number) {
    this.#messages = new TokenBucket(limits.rateBurst, limits.ratePerSecond, now);
    this.#faults = new TokenBucket(limits.errorBudget, limits.errorRefillPerSecond, now);
  }

  /** False when the message is over the rate and must be dropped. */
  admit(now: number): boolean {
    return this.#messages.take(now);
  }

  /** Records a fault; returns true once the budget is spent and the connection must go. */
  fault(now: number): boolean {
    if (!this.#faults.take(now)) this.#exhausted = true;
    return this.#exhausted;
  }
}
