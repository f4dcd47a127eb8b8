import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * How long this process's event loop was held up while watched: by a loaded machine that gave the
 * process no core, by the collector, by a test's own bursts. A test whose server and clients share this
 * process sees a message that much later than it was sent without anything having held it back, so a
 * bound on how late messages arrive allows for it (a quiet machine's stalls are a few ms).
 */
export class LoopStalls {
  readonly #delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.#delay.enable();
  }

  /** The longest stall seen, in ms (0 before the first). */
  get longestMs(): number {
    return this.#delay.max / 1e6;
  }

  stop(): void {
    this.#delay.disable();
  }
}
