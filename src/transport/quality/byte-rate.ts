/** Bytes per second in and out over a sliding window, from running totals marked now and then. */
export class ByteRate {
  readonly #windowMs: number;
  readonly #marks: Array<{ at: number; in: number; out: number }> = [];
  #in = 0;
  #out = 0;
  /** When the newest mark was taken: most adds only bump a total (one per message in and out). */
  #lastMarkAt = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(direction: 'in' | 'out', bytes: number, now: number): void {
    if (direction === 'in') this.#in += bytes;
    else this.#out += bytes;
    if (now - this.#lastMarkAt >= this.#windowMs / 10) this.mark(now);
  }

  /** Records the totals (at most every tenth of the window) and forgets marks the window has passed. */
  mark(now: number): void {
    const last = this.#marks.at(-1);
    if (!last || now - last.at >= this.#windowMs / 10) {
      this.#marks.push({ at: now, in: this.#in, out: this.#out });
      this.#lastMarkAt = now;
    }
    // Keep one mark at or beyond the window's start as the base of the rate.
    while (this.#marks.length > 1 && (this.#marks[1]?.at ?? now) <= now - this.#windowMs) this.#marks.shift();
  }

  /** Kilobits per second over the window (0 before any traffic). */
  kbps(now: number): { in: number; out: number } {
    this.mark(now);
    const base = this.#marks[0];
    if (!base) return { in: 0, out: 0 };
    const seconds = Math.max(now - base.at, this.#windowMs / 10) / 1000;
    return {
      in: ((this.#in - base.in) * 8) / 1000 / seconds,
      out: ((this.#out - base.out) * 8) / 1000 / seconds,
    };
  }
}
