import type { MetricsSink } from './metrics.js';

/** Time between two console lines of one kind (ms of the room's clock). */
const REPORT_EVERY_MS = 10_000;

/**
 * Failures the server goes on after (RoomSync's, a room's): every one counted, the first said at once with
 * its error, the rest at most once per 10 s with their count, so that one failing every tick for every
 * member, or for every message a client sends, does not flood the log.
 */
export class ThrottledFailures {
  #total = 0;
  /** Failures since the last line said (not counting the one that line was about). */
  #unsaid = 0;
  #saidAt = Number.NEGATIVE_INFINITY;
  readonly #metrics: MetricsSink | undefined;
  readonly #counter: string;
  /** What failed, as each line names it after `vehikill-net: ` (`RoomSync`, a room). */
  readonly #source: string;

  constructor(metrics: MetricsSink | undefined, counter: string, source = 'RoomSync') {
    this.#metrics = metrics;
    this.#counter = counter;
    this.#source = source;
  }

  get total(): number {
    return this.#total;
  }

  /**
   * Counts one failure; `describe` is called only when a line is said (a failure every call, under load,
   * must not cost a message and an Error each time): `what` says what failed and what was done instead,
   * as one sentence without a final stop.
   */
  report(
    now: number,
    describe: () => { readonly what: string; readonly error: unknown },
    labels?: Readonly<Record<string, string>>,
  ): void {
    this.#total++;
    this.#metrics?.count(this.#counter, labels);
    if (this.#saidAt === Number.NEGATIVE_INFINITY) {
      const { what, error } = describe();
      console.error(`vehikill-net: ${this.#source}: ${what}:`, error);
      this.#saidAt = now;
      return;
    }
    this.#unsaid++;
    if (now - this.#saidAt < REPORT_EVERY_MS) return;
    const { what, error } = describe();
    console.error(
      `vehikill-net: ${this.#source}: ${this.#unsaid} more such failures since; the latest: ${what}:`,
      error,
    );
    this.#unsaid = 0;
    this.#saidAt = now;
  }
}
