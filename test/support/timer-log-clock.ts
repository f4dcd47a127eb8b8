import { type Cancel, type Clock, realClock } from 'vehikill-net/server';

/**
 * The real clock, counting the timers set on it that have neither run nor been cancelled, by delay: a
 * test finds the timer it is about by an option set to a delay no other timer uses.
 */
export class TimerLogClock implements Clock {
  readonly #pending = new Map<number, number>();

  now(): number {
    return realClock.now();
  }

  setTimeout(callback: () => void, delayMs: number): Cancel {
    this.#add(delayMs, 1);
    let waiting = true;
    const settle = () => {
      if (waiting) this.#add(delayMs, -1);
      waiting = false;
    };
    const cancel = realClock.setTimeout(() => {
      settle();
      callback();
    }, delayMs);
    return () => {
      settle();
      cancel();
    };
  }

  /** Timers of `delayMs` still waiting to run. */
  pending(delayMs: number): number {
    return this.#pending.get(delayMs) ?? 0;
  }

  /** Timers of any delay still waiting to run. */
  pendingTotal(): number {
    let total = 0;
    for (const count of this.#pending.values()) total += count;
    return total;
  }

  #add(delayMs: number, change: number): void {
    this.#pending.set(delayMs, this.pending(delayMs) + change);
  }
}
