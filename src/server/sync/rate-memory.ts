/** How long a snapshot rate no longer in effect is remembered (ms). */
export const RATE_MEMORY_MS = 30_000;

/**
 * The snapshot rates one member was sent at lately: the one in effect and those that ended within the
 * last `RATE_MEMORY_MS`. A client sizes its interpolation delay by the snapshot interval it measures over
 * recent arrivals and lets the delay come down slowly, so a delay chosen at a lower rate outlasts that rate
 * by seconds; a server checking what clients claim about their delay asks for the lowest recent rate.
 */
export class RateMemory {
  #rateHz = 0;
  /** Rates no longer in effect, oldest first, each with when it ended. */
  readonly #past: { readonly rateHz: number; readonly endedAt: number }[] = [];

  constructor(rateHz: number) {
    this.#rateHz = rateHz;
  }

  /** The rate in effect now. */
  get rateHz(): number {
    return this.#rateHz;
  }

  /** The rate is `rateHz` from `now` on (ms, any clock that only moves forward). */
  set(rateHz: number, now: number): void {
    if (rateHz === this.#rateHz) return;
    const past = this.#past;
    past.push({ rateHz: this.#rateHz, endedAt: now });
    this.#rateHz = rateHz;
    let expired = 0;
    while (expired < past.length && (past[expired]?.endedAt ?? now) < now - RATE_MEMORY_MS) expired++;
    if (expired > 0) past.splice(0, expired);
  }

  /** The lowest rate in effect at any time from `since` on (at most `RATE_MEMORY_MS` back). */
  lowestSince(since: number): number {
    let lowest = this.#rateHz;
    for (let index = this.#past.length - 1; index >= 0; index--) {
      const past = this.#past[index];
      if (past === undefined || past.endedAt < since) break;
      if (past.rateHz < lowest) lowest = past.rateHz;
    }
    return lowest;
  }
}

/** How long a room's flushes are counted for one measure of its flush rate (ms). */
export const FLUSH_RATE_WINDOW_MS = 1_000;

/**
 * How often a room flushes, as measured: its flushes counted over windows of at least
 * `FLUSH_RATE_WINDOW_MS`, each window's rate remembered (as `RateMemory` does) from the window's start.
 * A member whose rate is above it is sent a snapshot at every flush, so at this rate, not its own.
 * Infinity until the first window closes.
 */
export class FlushRate {
  readonly rates = new RateMemory(Number.POSITIVE_INFINITY);
  #windowStart = Number.NaN;
  #flushes = 0;

  /** A flush at `now` (ms). */
  flushed(now: number): void {
    // The first flush, or a clock that stepped back: a new window from now.
    if (!(now >= this.#windowStart)) {
      this.#windowStart = now;
      this.#flushes = 0;
      return;
    }
    this.#flushes++;
    const elapsed = now - this.#windowStart;
    if (elapsed < FLUSH_RATE_WINDOW_MS) return;
    this.rates.set((this.#flushes * 1000) / elapsed, this.#windowStart);
    this.#windowStart = now;
    this.#flushes = 0;
  }
}
