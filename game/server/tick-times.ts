/**
 * The newest simulation tick durations of a room (ms), for its own numbers (p50, p99) beside the
 * server's `tick_duration_ms` histogram. A ring: memory stays fixed however long the room runs.
 */
export class TickTimes {
  readonly #samples: Float64Array;
  #count = 0;
  #next = 0;

  constructor(capacity = 3_600) {
    this.#samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count = Math.min(this.#count + 1, this.#samples.length);
  }

  get count(): number {
    return this.#count;
  }

  /** The q-quantile (0..1) of the samples held, or NaN when there are none. */
  quantile(q: number): number {
    if (this.#count === 0) return Number.NaN;
    const sorted = Array.from(this.#samples.subarray(0, this.#count)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  }

  clear(): void {
    this.#count = 0;
    this.#next = 0;
  }
}
