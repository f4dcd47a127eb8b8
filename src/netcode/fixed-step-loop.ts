import { finite, positive, positiveInteger } from './checks.js';

/** Tuning of a {@link FixedStepLoop}. */
export interface FixedStepLoopOptions {
  /** Simulation ticks per second at rate scale 1 (default 60). */
  tickRate?: number;
  /**
   * Most ticks one `advance` call returns (default 10). Time beyond that is dropped, not owed: a machine
   * that cannot keep up would otherwise fall further behind with every catch-up (the spiral of death).
   */
  maxCatchUpTicks?: number;
}

/**
 * A fixed-timestep clock for a simulation: the caller asks, from its frame or timer callback, how many
 * ticks to run now. Ticks are counted from an anchor time (`floor((now - anchor) * rate / 1000)`), never
 * by summing frame deltas, so an hour of jittery frames yields exactly rate * time ticks. A rate change
 * re-anchors at the current (fractional) tick position, so it keeps the phase; dropped time and hidden
 * time shift the anchor, so they are skipped rather than caught up. Pure: the caller passes the time.
 */
export class FixedStepLoop {
  readonly #baseRate: number;
  readonly #maxCatchUpTicks: number;
  #scale = 1;
  /** Local time and (possibly fractional) tick position the count is measured from. */
  #anchorMs: number | undefined;
  #anchorTicks = 0;
  #ticks = 0;
  #droppedTicks = 0;
  #hidden = false;

  constructor(options: FixedStepLoopOptions = {}) {
    this.#baseRate = positive('tickRate', options.tickRate ?? 60);
    this.#maxCatchUpTicks = positiveInteger('maxCatchUpTicks', options.maxCatchUpTicks ?? 10);
  }

  /**
   * How many ticks to run at local time `nowMs` (ms, non-decreasing). The first call starts the loop and
   * returns 0; a hidden loop returns 0. A non-finite `nowMs` (NaN, ±Infinity) throws a TypeError and
   * leaves the loop as it was, as do the other methods that take a time.
   */
  advance(nowMs: number): number {
    finite('nowMs', nowMs);
    if (this.#hidden) return 0;
    if (this.#anchorMs === undefined) {
      this.#anchorMs = nowMs;
      return 0;
    }
    const due = Math.floor(this.#position(nowMs)) - this.#ticks;
    if (due <= 0) return 0;
    const run = Math.min(due, this.#maxCatchUpTicks);
    if (run < due) {
      // Moving the anchor back by whole ticks drops them and keeps the phase within the current tick.
      this.#anchorTicks -= due - run;
      this.#droppedTicks += due - run;
    }
    this.#ticks += run;
    return run;
  }

  /**
   * Fraction (0..1) of the way from the last tick run to the next one at `nowMs`: the blend factor for
   * rendering between the previous and the current simulated state. 1 when ticks are due but not yet run.
   */
  alpha(nowMs: number): number {
    finite('nowMs', nowMs);
    if (this.#anchorMs === undefined || this.#hidden) return 0;
    return Math.min(1, Math.max(0, this.#position(nowMs) - this.#ticks));
  }

  /**
   * Ticks due at `nowMs` and not run yet, fractional and uncapped (0 while hidden or before the start):
   * where the timeline is, counted from the last tick run. Unlike `alpha` it goes past 1 while ticks are
   * owed (a stall before `advance` runs them), and it includes ticks `advance` will drop.
   */
  owed(nowMs: number): number {
    finite('nowMs', nowMs);
    if (this.#anchorMs === undefined || this.#hidden) return 0;
    return Math.max(0, this.#position(nowMs) - this.#ticks);
  }

  /**
   * Scales the tick rate (e.g. 0.97..1.03, from a TickRateController) from `nowMs` on. The tick position
   * at `nowMs` is kept, so the change neither skips nor repeats ticks.
   */
  setRateScale(scale: number, nowMs: number): void {
    positive('rate scale', scale);
    finite('nowMs', nowMs);
    if (scale === this.#scale) return;
    // While hidden the count is frozen at the hiding position and resumes from `setHidden(false)`'s time:
    // re-anchoring now would count the hidden time so far as ticks due.
    if (!this.#hidden) this.#reanchor(nowMs);
    this.#scale = scale;
  }

  /**
   * A hidden loop (tab in the background) idles: `advance` returns 0. When visible again it resumes from
   * `nowMs` without catching up the hidden time.
   */
  setHidden(hidden: boolean, nowMs: number): void {
    finite('nowMs', nowMs);
    if (hidden === this.#hidden) return;
    if (hidden) {
      this.#reanchor(nowMs);
    } else if (this.#anchorMs !== undefined) {
      // Resume at the phase it had when hidden: the hidden time is simply not part of the count.
      this.#anchorMs = nowMs;
    }
    this.#hidden = hidden;
  }

  /** Ticks returned by `advance` so far. */
  get ticks(): number {
    return this.#ticks;
  }

  /** Ticks dropped by the catch-up guard so far. */
  get droppedTicks(): number {
    return this.#droppedTicks;
  }

  get hidden(): boolean {
    return this.#hidden;
  }

  get rateScale(): number {
    return this.#scale;
  }

  /** Current ticks per second (base rate * scale). */
  get tickRate(): number {
    return this.#baseRate * this.#scale;
  }

  /** Duration of one tick at scale 1, ms: the simulation's dt (the scale changes timing, never dt). */
  get tickMs(): number {
    return 1000 / this.#baseRate;
  }

  #position(nowMs: number): number {
    const elapsed = nowMs - (this.#anchorMs as number);
    // The tiny epsilon keeps an exact tick boundary (e.g. 1000 ms at 60 Hz) from landing at 59.999...
    return this.#anchorTicks + (elapsed * this.#baseRate * this.#scale) / 1000 + 1e-9;
  }

  #reanchor(nowMs: number): void {
    if (this.#anchorMs === undefined) return;
    // Never behind the ticks already run: a position below them would replay ticks.
    this.#anchorTicks = Math.max(this.#ticks, this.#position(nowMs) - 1e-9);
    this.#anchorMs = nowMs;
  }
}
