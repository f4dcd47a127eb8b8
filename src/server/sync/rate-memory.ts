/** How long a snapshot rate no longer in effect is remembered (ms). */
export const RATE_MEMORY_MS = 30_000;

/**
 * The snapshot rates one member was sent at lately: the one in effect and those that ended within the
 * last `RATE_MEMORY_MS`. A client sizes its interpolation delay by the snapshot interval it measures over
 * recent arrivals and lets the delay come down slowly, so a delay chosen at a lower rate outlasts that rate
 * by seconds; a server checking what clients claim about their delay asks for the lowest recent rate.
 */
export class RateMemory {
  #rateHz: number;
  /** Rates no longer in effect, oldest first, each with when it ended. */
  readonly #past: { readonly rateHz: number; readonly endedAt: number }[] = [];

  constructor(rateHz: number) {
    this.#rateHz = rateHz;
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
