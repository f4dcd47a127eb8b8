import { type Cancel, type Clock, realClock } from 'vehikill-net/server';

/**
 * The real clock, except that the timers set for `heldMs` (an option set to a delay no other timer uses)
 * run only when the test says, with `runHeld()`: it decides when that timer runs out, before or after
 * what it races with, however slow the machine is.
 */
export class HeldTimerClock implements Clock {
  readonly #heldMs: number;
  readonly #held = new Set<() => void>();

  constructor(heldMs: number) {
    this.#heldMs = heldMs;
  }

  now(): number {
    return realClock.now();
  }

  setTimeout(callback: () => void, delayMs: number): Cancel {
    if (delayMs !== this.#heldMs) return realClock.setTimeout(callback, delayMs);
    // A wrapper of its own, so that a callback set twice is held (and cancelled) twice.
    const timer = () => callback();
    this.#held.add(timer);
    return () => this.#held.delete(timer);
  }

  /** Timers of `heldMs` set and neither run nor cancelled. */
  get held(): number {
    return this.#held.size;
  }

  /** Runs the timers of `heldMs` waiting now, as if their time had come. */
  runHeld(): void {
    const due = [...this.#held];
    this.#held.clear();
    for (const timer of due) timer();
  }
}
