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
  // Wrapping codes have at most 32 bits, and the shifts below take their operand modulo 2^32 exactly
  // (ToInt32), so keeping the low `bits` bits is the modulo 2^bits of the integer, without a division.
  const shift = 32 - bits;
  // The shorter way round, as the relative codec measures differences: sign-extended from `bits` bits.
  if (wraps) moved = (moved << shift) >> shift;
  if (moved === 0 || !(span > 0) || !(ahead > 0)) return baseline;
  // A whole number of intervals again (the usual case at a steady rate): the product divided back is
  // exactly `moved` times that number, so neither the division nor the rounding is needed.
  const intervals = ahead / span;
  const predicted =
    baseline + (intervals === Math.floor(intervals) ? moved * intervals : Math.round((moved * ahead) / span));
  if (wraps) return (predicted << shift) >>> shift;
  return Math.max(0, Math.min(predicted, maxCode));
}
