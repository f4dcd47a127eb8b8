/** Frames kept for the percentiles: about 10 s at 60 Hz. */
const KEPT = 600;

/**
 * Measures the page's own work per animation frame (update + draw, in ms of `performance.now()`), for
 * the network overlay and the frame-time benchmark.
 */
export class FrameTimer {
  readonly #work = new Float64Array(KEPT);
  #count = 0;

  add(ms: number): void {
    this.#work[this.#count % KEPT] = ms;
    this.#count++;
  }

  /** Frames measured since the page began. */
  get frames(): number {
    return this.#count;
  }

  /** The p-th percentile (0..100) of the kept frames' work, NaN before any frame. */
  percentile(p: number): number {
    const n = Math.min(this.#count, KEPT);
    if (n === 0) return Number.NaN;
    const sorted = this.#work.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor((p / 100) * n))] as number;
  }

  /** The kept frames' work times, oldest first. */
  samples(): number[] {
    const n = Math.min(this.#count, KEPT);
    const start = this.#count > KEPT ? this.#count % KEPT : 0;
    return Array.from({ length: n }, (_, index) => this.#work[(start + index) % KEPT] as number);
  }
}
