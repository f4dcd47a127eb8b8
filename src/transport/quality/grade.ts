/** How a link feels to a player: the connection indicator's three colours. */
export type QualityGrade = 'good' | 'fair' | 'poor';

/** Limits of one grade: reaching any of them means at least that grade. Times in ms, loss 0..1. */
export interface QualityLimits {
  rttMs: number;
  jitterMs: number;
  loss: number;
}

/** Where `fair` and `poor` begin. */
export interface QualityThresholds {
  fair: QualityLimits;
  poor: QualityLimits;
}

/**
 * Defaults for an action game: under 100 ms round trip, 20 ms jitter and 2 % loss it plays as if local;
 * past 250 ms, 50 ms jitter or 8 % loss prediction errors and rubber-banding are plain to see.
 */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  fair: { rttMs: 100, jitterMs: 20, loss: 0.02 },
  poor: { rttMs: 250, jitterMs: 50, loss: 0.08 },
};

const RANK: Record<QualityGrade, number> = { good: 0, fair: 1, poor: 2 };

/** -1 when `a` is better than `b`, 1 when worse, 0 when equal. */
export function compareGrades(a: QualityGrade, b: QualityGrade): number {
  return Math.sign(RANK[a] - RANK[b]);
}

/** The grade the numbers call for right now; NaN (not measured yet) never makes a grade worse. */
export function gradeOf(
  measured: { rttMs: number; jitterMs: number; loss: number },
  thresholds: QualityThresholds = DEFAULT_QUALITY_THRESHOLDS,
): QualityGrade {
  const reaches = (limits: QualityLimits) =>
    measured.rttMs >= limits.rttMs || measured.jitterMs >= limits.jitterMs || measured.loss >= limits.loss;
  if (reaches(thresholds.poor)) return 'poor';
  if (reaches(thresholds.fair)) return 'fair';
  return 'good';
}

export function checkThresholds(thresholds: QualityThresholds): QualityThresholds {
  for (const key of ['rttMs', 'jitterMs', 'loss'] as const) {
    const fair = thresholds.fair[key];
    const poor = thresholds.poor[key];
    if (!(fair >= 0 && poor >= fair)) {
      throw new RangeError(`quality thresholds: need 0 ≤ fair.${key} ≤ poor.${key}, got ${fair} and ${poor}`);
    }
  }
  return thresholds;
}
