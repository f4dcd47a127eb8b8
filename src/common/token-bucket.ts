/**
 * Token bucket rate limiter: `capacity` tokens, refilled at `refillPerSecond`. Pure: the caller passes
 * the time, so it works with any Clock.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  #tokens = 0;
  #updatedAt = 0;

  constructor(capacity: number, refillPerSecond: number, now: number) {
    if (!(capacity > 0) || !(refillPerSecond > 0)) {
      throw new TypeError('TokenBucket needs a positive capacity and refill rate');
    }
    this.#capacity = capacity;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** Milliseconds until one token is there (at least 1: a caller waits that long before trying again). */
  msUntilToken(now: number): number {
    return Math.max(1, Math.ceil((1 - this.#tokensAt(now)) / this.#refillPerMs));
  }

  /** Whether `cost` tokens are there now (taking nothing). */
  has(now: number, cost = 1): boolean {
    return this.#tokensAt(now) >= cost;
  }

  /** True when the bucket has refilled to its capacity: it then holds nothing a new one would not. */
  full(now: number): boolean {
    return this.#tokensAt(now) >= this.#capacity;
  }

  /**
   * The tokens there would be at `now`, the refill since the last update counted. Tokens past the
   * capacity (see `overfill`) are kept until spent, and nothing refills on top of them.
   */
  #tokensAt(now: number): number {
    const elapsed = Math.max(0, now - this.#updatedAt);
    return Math.min(Math.max(this.#capacity, this.#tokens), this.#tokens + elapsed * this.#refillPerMs);
  }

  /**
   * Refills as though the capacity were `extraMs` of refill higher, once: what the capacity withheld since
   * the last update, for a span in which the owner could not spend (its reader stood still, and what it
   * would have spent then is all spent at once now). Never more than the refill since the last update, so
   * a caller that was spending all along gets nothing it would not have had; never less than there is.
   */
  overfill(now: number, extraMs: number): void {
    const refilled = this.#tokens + Math.max(0, now - this.#updatedAt) * this.#refillPerMs;
    const ceiling = this.#capacity + Math.max(0, extraMs) * this.#refillPerMs;
    this.#tokens = Math.max(this.#tokensAt(now), Math.min(ceiling, refilled));
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }

  /**
   * Takes `cost` tokens whether or not they are there (down to minus the capacity): for what must go
   * anyway (an ack, a pong) but should still hold back what can wait.
   */
  charge(now: number, cost = 1): void {
    this.#tokens = this.#tokensAt(now);
    this.#updatedAt = Math.max(this.#updatedAt, now);
    this.#tokens = Math.max(-this.#capacity, this.#tokens - cost);
  }

  /**
   * Puts back `cost` tokens taken for what turned out not to cost them (never past the capacity, nor past
   * what `overfill` put there).
   */
  refund(now: number, cost = 1): void {
    const tokens = this.#tokensAt(now);
    this.#tokens = Math.min(Math.max(this.#capacity, tokens), tokens + cost);
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }

  /**
   * Takes `cost` tokens if available with at least `keep` left after them; returns false (taking
   * nothing) otherwise. `keep` holds back what can wait so that tokens stay for what cannot.
   */
  take(now: number, cost = 1, keep = 0): boolean {
    this.#tokens = this.#tokensAt(now);
    // A clock that steps back must not get the same interval refilled twice.
    this.#updatedAt = Math.max(this.#updatedAt, now);
    if (this.#tokens - cost < keep) return false;
    this.#tokens -= cost;
    return true;
  }
}
