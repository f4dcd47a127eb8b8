import type { Cancel, Clock } from '../../common/index.js';
import type { LoopStalls } from '../connection/loop-stalls.js';

/**
 * A room's time and timers (`Room.clock`). Timers belong to the room: the ones still scheduled when it
 * is disposed are cancelled then (after `onDispose`), and a callback that throws or rejects is logged
 * and counted like a throwing hook, never taken to the process.
 */
export interface RoomClock extends Clock {
  /** Calls `callback` once after `delayMs` (a negative one: at once); a delay that is NaN throws a RangeError. */
  setTimeout(callback: () => void, delayMs: number): Cancel;
  /**
   * Calls `callback` every `periodMs` (> 0) until cancelled or the room is disposed. Each call is due one
   * period after the previous one was due, not after it ran, so a room keeps the rate it asked for under
   * load: Node's `setInterval` reschedules from when a call started, so every late call moves the room's
   * ticks later for good and a busy server's rooms tick slower than asked (BENCHMARKS.md, room timers).
   * Periods missed entirely (the process stalled) are skipped, not run back to back: read `now()` in
   * the callback to step by the time that really passed.
   */
  setInterval(callback: () => void, periodMs: number): Cancel;
  /**
   * How long the server's event loop has stood still so far, in all (ms, ever growing): a long GC pause,
   * a starved CPU. What members sent meanwhile is read all at once after; give it to a `MessageBudget`
   * (`admit`) so that the budget does not take it for a burst of theirs.
   */
  stalledMs(): number;
}

/** The RoomClock a RoomHost gives its room: `close()` at disposal cancels what is left. */
export class RoomTimers implements RoomClock {
  readonly #clock: Clock;
  readonly #report: (error: unknown) => void;
  readonly #stalls: Pick<LoopStalls, 'stalledMs'> | undefined;
  /** The cancel of every timer still scheduled. */
  readonly #live = new Set<Cancel>();
  #closed = false;

  /**
   * `report`: what to do with a callback's throw or rejection. `stalls`: the server's event-loop stalls
   * (none without: a room timed by hand).
   */
  constructor(clock: Clock, report: (error: unknown) => void, stalls?: Pick<LoopStalls, 'stalledMs'>) {
    this.#clock = clock;
    this.#report = report;
    this.#stalls = stalls;
  }

  stalledMs(): number {
    return this.#stalls?.stalledMs(this.#clock.now()) ?? 0;
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.#live.size;
  }

  now(): number {
    return this.#clock.now();
  }

  setTimeout(callback: () => void, delayMs: number): Cancel {
    // Node runs a NaN delay after 1 ms (and a fake clock never): `roundSeconds * 1000` with the option
    // missing would end the round at once. A negative delay is a deadline already past: run at once.
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) {
      throw new RangeError(`setTimeout needs a delay in ms, got ${String(delayMs)}`);
    }
    if (this.#closed) return noop;
    let cancelScheduled: Cancel = noop;
    const cancel = () => {
      if (this.#live.delete(cancel)) cancelScheduled();
    };
    this.#live.add(cancel);
    cancelScheduled = this.#clock.setTimeout(() => {
      if (!this.#live.delete(cancel)) return;
      this.#run(callback);
    }, delayMs);
    return cancel;
  }

  setInterval(callback: () => void, periodMs: number): Cancel {
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) {
      throw new RangeError(`setInterval needs a finite period above 0 ms, got ${periodMs}`);
    }
    if (this.#closed) return noop;
    let due = this.#clock.now() + periodMs;
    let cancelScheduled: Cancel = noop;
    const cancel = () => {
      if (this.#live.delete(cancel)) cancelScheduled();
    };
    const schedule = () => {
      cancelScheduled = this.#clock.setTimeout(fire, Math.max(0, due - this.#clock.now()));
    };
    const fire = () => {
      if (!this.#live.has(cancel)) return;
      const late = this.#clock.now() - due;
      if (late >= periodMs) due += Math.floor(late / periodMs) * periodMs;
      due += periodMs;
      // Scheduled before the call, so that a callback cancelling its own interval cancels the next one.
      schedule();
      this.#run(callback);
    };
    this.#live.add(cancel);
    schedule();
    return cancel;
  }

  /** The room is gone: every timer still scheduled is cancelled, and new ones never fire. */
  close(): void {
    this.#closed = true;
    for (const cancel of [...this.#live]) cancel();
  }

  #run(callback: () => void): void {
    try {
      const result: unknown = callback();
      if (result instanceof Promise) result.catch(this.#report);
    } catch (error) {
      this.#report(error);
    }
  }
}

function noop(): void {}
