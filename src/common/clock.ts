/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

/**
 * Time and timers, passed in rather than taken from globals so that tests can drive time by hand.
 * `now()` is milliseconds on a scale that never goes back (for the real one: epoch milliseconds as of
 * the process's start, counted on from there by a monotonic clock).
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): Cancel;
}

/** The longest delay a timer holds: 2^31 - 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The monotonic clock, looked up once: `performance` is an accessor of Node's global object (a getter of a
 * browser's window too), so naming it in `now()` ran that getter twice a call, about 50 ns of 130, and
 * the server reads the time several times a message.
 */
const monotonic = globalThis.performance;
const monotonicOrigin = monotonic.timeOrigin;

export const realClock: Clock = {
  // Not Date.now(): a wall clock stepped back (NTP, a VM resumed elsewhere) would hold every schedule
  // keyed to it (snapshot rates, heartbeats, rate windows) for as long as the step.
  now: () => monotonicOrigin + monotonic.now(),
  setTimeout(callback, delayMs) {
    let handle: ReturnType<typeof setTimeout>;
    // A delay past what a timer holds (about 24.8 days) is taken as 1 ms by Node and browsers alike: such
    // a delay (an option set very large to mean "never", say) is waited out in steps instead.
    const arm = (left: number) => {
      handle = setTimeout(
        left > MAX_TIMER_MS ? () => arm(left - MAX_TIMER_MS) : callback,
        Math.min(left, MAX_TIMER_MS),
      );
      // Timers of the library must never keep a Node process alive on their own.
      (handle as { unref?: () => void }).unref?.();
    };
    arm(delayMs);
    return () => clearTimeout(handle);
  },
};

/** Runs `callback` every `periodMs` until cancelled. */
export function every(clock: Clock, periodMs: number, callback: () => void): Cancel {
  if (!(periodMs > 0)) throw new RangeError(`every() needs a positive period, got ${periodMs}`);
  let cancelNext: Cancel = () => {};
  let stopped = false;
  const schedule = () => {
    cancelNext = clock.setTimeout(() => {
      if (stopped) return;
      schedule();
      callback();
    }, periodMs);
  };
  schedule();
  return () => {
    stopped = true;
    cancelNext();
  };
}

/** A clock that moves only when told to: `advance(ms)` fires due timers in order. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: Array<{ at: number; id: number; callback: () => void }> = [];
  #nextId = 0;

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): Cancel {
    const id = this.#nextId++;
    this.#timers.push({ at: this.#now + Math.max(0, delayMs), id, callback });
    return () => {
      this.#timers = this.#timers.filter((timer) => timer.id !== id);
    };
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }
}
