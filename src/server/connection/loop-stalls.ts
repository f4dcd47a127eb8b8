import { type Cancel, type Clock, every } from '../../common/index.js';

/**
 * How often the watch's timer runs (ms). A stall is measured from when it was next due, so what it misses
 * of a stall is at most this: 6 tokens at the default 120 a second.
 */
const PERIOD_MS = 50;
/**
 * How late the timer may run before it is a stall (ms): Node runs timers a millisecond or so late, and a
 * busy turn a little more. Shorter stalls are not worth a credit: the rate limit's burst (2 s of its rate
 * by default) holds what players sent through them.
 */
const TOLERANCE_MS = 50;

/**
 * How long the server's event loop has stood still, in all: a long GC pause, a starved CPU, a turn that
 * ran long. Meanwhile players' messages wait in their sockets and are read all at once after, which their
 * rate limit must not hold against them (see `StallCreditedBucket`).
 *
 * A timer that should run every PERIOD_MS: when it, or a reader asking at `stalledMs`, finds it more than
 * TOLERANCE_MS overdue, the loop stood still from when it was due until now. Asked by a reader too, because
 * after a stall Node may read sockets before it runs its due timers; whichever sees the stall first counts
 * it, and the rest of it is measured from then. Asking costs a comparison: every message does.
 */
export class LoopStalls {
  readonly #clock: Clock;
  /** When the timer is next due; never, while the watch is stopped. */
  #dueAt = Number.POSITIVE_INFINITY;
  #stalledMs = 0;
  #stop: Cancel | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(): void {
    if (this.#stop !== undefined) return;
    this.#dueAt = this.#clock.now() + PERIOD_MS;
    this.#stop = every(this.#clock, PERIOD_MS, () => {
      const now = this.#clock.now();
      this.stalledMs(now);
      this.#dueAt = now + PERIOD_MS;
    });
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }

  /** Milliseconds the loop has stood still since the watch started, up to `now` (ever growing). */
  stalledMs(now: number): number {
    if (now - this.#dueAt > TOLERANCE_MS) {
      this.#stalledMs += now - this.#dueAt;
      this.#dueAt = now;
    }
    return this.#stalledMs;
  }
}
