import { finite, nonNegative, positive } from './checks.js';

/** Tuning of a {@link TickRateController}. Margins in ticks. */
export interface TickRateControllerOptions {
  /** Lowest margin left alone (default 1). */
  minMargin?: number;
  /** Highest margin left alone (default 2). Between the two the rate is exactly 1: no hunting. */
  maxMargin?: number;
  /** Rate change per tick of error outside the band (default 0.01, i.e. 1% per tick). */
  gain?: number;
  /** Largest change either way (default 0.03): the rate stays in [1 - maxNudge, 1 + maxNudge]. */
  maxNudge?: number;
  /** A report older than this (ms) is ignored and the rate goes back to 1 (default 1500). */
  staleAfterMs?: number;
}

/**
 * Steers the client's tick rate so that its inputs reach the server 1-2 ticks before they are consumed:
 * enough slack for jitter, little added latency. Proportional control with a deadband: inside
 * [minMargin, maxMargin] the rate is 1; outside it, it is nudged by `gain` per tick of error, at most
 * `maxNudge`. The server's margin is a minimum over a second, so it reacts to trouble at once and to
 * recovery only slowly; the small gain and the deadband keep that lag from turning into oscillation.
 * Feed it each margin report and pass `rateScale(now)` to `FixedStepLoop.setRateScale`.
 */
export class TickRateController {
  readonly #minMargin: number;
  readonly #maxMargin: number;
  readonly #gain: number;
  readonly #maxNudge: number;
  readonly #staleAfterMs: number;
  #margin: number | undefined;
  #reportedAt = 0;

  constructor(options: TickRateControllerOptions = {}) {
    // An infinite edge would be no edge: at -Infinity a late client is never sped up.
    this.#minMargin = finite('minMargin', options.minMargin ?? 1);
    this.#maxMargin = finite('maxMargin', options.maxMargin ?? 2);
    if (!(this.#maxMargin >= this.#minMargin)) throw new TypeError('maxMargin must be at least minMargin');
    this.#gain = positive('gain', options.gain ?? 0.01);
    this.#maxNudge = nonNegative('maxNudge', options.maxNudge ?? 0.03);
    if (this.#maxNudge >= 1) throw new TypeError('maxNudge must be below 1');
    this.#staleAfterMs = positive('staleAfterMs', options.staleAfterMs ?? 1500);
  }

  /**
   * A margin the server reported (InputBuffer.margin), received at local time `nowMs`. A non-finite
   * margin is ignored; a non-finite `nowMs` throws a TypeError (a report stamped NaN would never go stale).
   */
  onMarginReport(margin: number, nowMs: number): void {
    finite('nowMs', nowMs);
    if (!Number.isFinite(margin)) return;
    this.#margin = margin;
    this.#reportedAt = nowMs;
  }

  /**
   * The tick rate scale to run at, at local time `nowMs`: above 1 to build margin, below 1 to shed it. A
   * non-finite `nowMs` throws a TypeError (at NaN no report ever went stale: an old one steered for ever).
   */
  rateScale(nowMs: number): number {
    finite('nowMs', nowMs);
    const margin = this.#margin;
    if (margin === undefined || nowMs - this.#reportedAt > this.#staleAfterMs) return 1;
    let error = 0;
    if (margin < this.#minMargin) error = margin - this.#minMargin;
    else if (margin > this.#maxMargin) error = margin - this.#maxMargin;
    const nudge = Math.max(-this.#maxNudge, Math.min(this.#maxNudge, -error * this.#gain));
    return 1 + nudge;
  }

  /** The newest reported margin, if any. */
  get margin(): number | undefined {
    return this.#margin;
  }

  /** Forgets the last report (after a reconnect). */
  reset(): void {
    this.#margin = undefined;
  }
}

/**
 * Ticks a client should run ahead of the server's current tick so its inputs arrive `margin` ticks early:
 * the one-way trip (half the RTT) in ticks, rounded up, plus the margin. Use it to place the client's tick
 * when it (re)starts; the TickRateController does the fine steering from there. A negative or non-finite
 * RTT or margin, or a tick rate not above 0, throws a TypeError.
 */
export function leadTicks(rttMs: number, tickRate: number, margin = 2): number {
  nonNegative('rttMs', rttMs);
  positive('tickRate', tickRate);
  nonNegative('margin', margin);
  return Math.ceil(((rttMs / 2) * tickRate) / 1000) + margin;
}
