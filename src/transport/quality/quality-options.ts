import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds } from './grade.js';

/**
 * What each numeric option of a QualityMonitor may be. A count is a whole number of at least 1; a window
 * a finite number of ms above 0; a delay a finite number of ms of at least 0; a silence a number of ms
 * above 0 (Infinity: never silent). A bad value used to construct fine and then misbehave: a NaN window
 * never graded, a fractional count of datagrams read loss from a window that never filled, a negative
 * recovery showed a better grade at once.
 */
const NUMBERS = {
  recoverAfterMs: 'delay',
  lossMinDatagrams: 'count',
  lossMaxReports: 'count',
  rateWindowMs: 'window',
  silentAfterMs: 'silence',
  beatEveryMs: 'window',
} as const;

type NumberKind = (typeof NUMBERS)[keyof typeof NUMBERS];

const WANTED: Record<NumberKind, string> = {
  count: 'an integer of at least 1',
  window: 'a finite number of ms above 0',
  delay: 'a finite number of ms of at least 0',
  silence: 'a number of ms above 0 (Infinity: never silent)',
};

function fits(value: number, kind: NumberKind): boolean {
  switch (kind) {
    case 'count':
      return Number.isSafeInteger(value) && value >= 1;
    case 'window':
      return Number.isFinite(value) && value > 0;
    case 'delay':
      return Number.isFinite(value) && value >= 0;
    case 'silence':
      return value > 0;
  }
}

/**
 * Refuses QualityMonitor options that cannot work, naming the option: a TypeError for the wrong type (a
 * clock with no `now`, a number given as text), a RangeError for a number out of its range.
 */
export function checkQualityOptions(options: Record<string, unknown>): void {
  const clock = options.clock as { now?: unknown } | null | undefined;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
    throw new TypeError("QualityMonitor option 'clock' must be a Clock (an object with now())");
  }
  for (const [name, kind] of Object.entries(NUMBERS)) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number') {
      throw new TypeError(
        `QualityMonitor option '${name}' must be ${WANTED[kind]}, got ${typeof value} ${String(value)}`,
      );
    }
    if (!fits(value, kind)) {
      throw new RangeError(`QualityMonitor option '${name}' must be ${WANTED[kind]}, got ${value}`);
    }
  }
  if (options.thresholds !== undefined) checkThresholdShape(options.thresholds);
}

/** The thresholds' shape: `fair` and `poor`, each with a number for every limit (their order: `checkThresholds`). */
function checkThresholdShape(thresholds: unknown): asserts thresholds is QualityThresholds {
  const wanted = "QualityMonitor option 'thresholds' must be { fair, poor }, each { rttMs, jitterMs, loss }";
  if (typeof thresholds !== 'object' || thresholds === null) {
    throw new TypeError(`${wanted}, got ${String(thresholds)}`);
  }
  for (const grade of ['fair', 'poor'] as const) {
    const limits = (thresholds as Record<string, unknown>)[grade];
    if (typeof limits !== 'object' || limits === null) {
      throw new TypeError(`${wanted}: thresholds.${grade} is ${String(limits)}`);
    }
    for (const key of Object.keys(DEFAULT_QUALITY_THRESHOLDS.fair)) {
      const value = (limits as Record<string, unknown>)[key];
      if (typeof value !== 'number') {
        throw new TypeError(`${wanted}: thresholds.${grade}.${key} is ${typeof value} ${String(value)}`);
      }
    }
  }
}
