/**
 * Where a numeric code is likely to be now, from where it was at two earlier frames both ends hold: the
 * motion between them continued at the same rate. A delta written relative to this prediction costs the
 * change in velocity instead of the distance moved, so a projectile in straight flight or a car on a gentle
 * curve costs a few bits however far it went since the baseline.
 *
 * Encoder and decoder must compute the same code bit for bit: only integer inputs, one multiplication, one
 * division and `Math.round`, all of which IEEE 754 and ECMAScript define exactly.
 */
export function extrapolateCode(
  /** The code in the baseline frame. */
  baseline: number,
  /** The code in the frame before it (the predictor frame). */
  before: number,
  /** Ticks from the baseline frame to the frame being written (> 0). */
  ahead: number,
  /** Ticks from the predictor frame to the baseline frame (> 0). */
  span: number,
  bits: number,
  maxCode: number,
  wraps: boolean,
): number {
  let moved = baseline - before;
  if (wraps) {
    // The shorter way round, as the relative codec measures differences.
    const turn = 2 ** bits;
    moved = ((((moved + turn / 2) % turn) + turn) % turn) - turn / 2;
  }
  if (moved === 0 || !(span > 0) || !(ahead > 0)) return baseline;
  const predicted = baseline + Math.round((moved * ahead) / span);
  if (wraps) {
    const turn = 2 ** bits;
    return ((predicted % turn) + turn) % turn;
  }
  return Math.max(0, Math.min(predicted, maxCode));
}
