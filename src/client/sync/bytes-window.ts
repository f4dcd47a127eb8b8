/** Bytes counted over a moving window of time (1 s by default): a rate that falls to 0 when traffic stops. */
export class BytesWindow {
  readonly #windowMs: number;
  #samples: { at: number; bytes: number }[] = [];
  #head = 0;
  #sum = 0;

  constructor(windowMs = 1000) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.#windowMs = windowMs;
  }

  add(now: number, bytes: number): void {
    this.#samples.push({ at: now, bytes });
    this.#sum += bytes;
    this.#expire(now);
  }

  /** Bytes per second over the window ending `now`. */
  perSecond(now: number): number {
    this.#expire(now);
    return (this.#sum * 1000) / this.#windowMs;
  }

  #expire(now: number): void {
    const samples = this.#samples;
    while (
      this.#head < samples.length &&
      (samples[this.#head] as { at: number }).at <= now - this.#windowMs
    ) {
      this.#sum -= (samples[this.#head] as { bytes: number }).bytes;
      this.#head++;
    }
    // Compact now and then rather than shifting on every expiry.
    if (this.#head > 64 && this.#head * 2 > samples.length) {
      this.#samples = samples.slice(this.#head);
      this.#head = 0;
    }
  }
}
