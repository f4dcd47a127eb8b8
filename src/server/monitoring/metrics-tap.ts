import type { MetricsSink } from '../metrics.js';

type Labels = Readonly<Record<string, string>>;

/** What was counted and observed during one window (a second, for the history). */
export interface MetricsWindow {
  /** Per name, summed over labels. */
  counts: ReadonlyMap<string, number>;
  /** Per name, the values observed (a uniform sample of at most `maxSamples` when there were more). */
  observations: ReadonlyMap<string, readonly number[]>;
}

/**
 * Passes everything on to the app's sink and keeps a running window of its own, which the history
 * takes once a second: so the history and alerts work whatever sink the app chose.
 */
export class MetricsTap implements MetricsSink {
  readonly #inner: MetricsSink;
  readonly #maxSamples: number;
  #counts = new Map<string, number>();
  #observations = new Map<string, { values: number[]; seen: number }>();
  /** xorshift32 state: reservoir sampling needs randomness, and runs should repeat. */
  #seed = 0x9e3779b9;

  constructor(inner: MetricsSink, maxSamples = 2_048) {
    this.#inner = inner;
    this.#maxSamples = maxSamples;
  }

  count(name: string, labels?: Labels, by = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + by);
    this.#inner.count(name, labels, by);
  }

  observe(name: string, value: number, labels?: Labels): void {
    if (Number.isFinite(value)) this.#sample(name, value);
    this.#inner.observe(name, value, labels);
  }

  gauge(name: string, value: number, labels?: Labels): void {
    this.#inner.gauge?.(name, value, labels);
  }

  /** Hands over the current window and starts a new one. */
  takeWindow(): MetricsWindow {
    const window: MetricsWindow = {
      counts: this.#counts,
      observations: new Map([...this.#observations].map(([name, { values }]) => [name, values])),
    };
    this.#counts = new Map();
    this.#observations = new Map();
    return window;
  }

  #sample(name: string, value: number): void {
    let reservoir = this.#observations.get(name);
    if (!reservoir) {
      reservoir = { values: [], seen: 0 };
      this.#observations.set(name, reservoir);
    }
    reservoir.seen++;
    if (reservoir.values.length < this.#maxSamples) {
      reservoir.values.push(value);
      return;
    }
    const slot = this.#next() % reservoir.seen;
    if (slot < this.#maxSamples) reservoir.values[slot] = value;
  }

  #next(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed;
  }
}
