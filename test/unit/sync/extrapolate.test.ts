import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extrapolateCode } from '../../../src/sync/fields/extrapolate.js';

describe('extrapolating a code from two earlier frames', () => {
  it('continues a straight motion at its rate', () => {
    // 17-bit position: moved +300 codes over 6 ticks, predicted 3 ticks on.
    expect(extrapolateCode(10_300, 10_000, 3, 6, 17, 100_000, false)).toBe(10_450);
    expect(extrapolateCode(10_000, 10_300, 3, 6, 17, 100_000, false)).toBe(9_850);
  });

  it('keeps a code that did not move, and ignores frames that are not in order', () => {
    expect(extrapolateCode(500, 500, 9, 3, 17, 100_000, false)).toBe(500);
    expect(extrapolateCode(500, 400, 0, 3, 17, 100_000, false)).toBe(500);
    expect(extrapolateCode(500, 400, 3, 0, 17, 100_000, false)).toBe(500);
  });

  it('clamps into the field’s codes', () => {
    expect(extrapolateCode(99_990, 99_900, 2, 1, 17, 100_000, false)).toBe(100_000);
    expect(extrapolateCode(10, 100, 2, 1, 17, 100_000, false)).toBe(0);
  });

  it('goes the short way round and wraps for angles', () => {
    // 10-bit angle crossing 0: 1020 → 4 is +8 codes, predicted another +8.
    expect(extrapolateCode(4, 1020, 1, 1, 10, 1023, true)).toBe(12);
    expect(extrapolateCode(1020, 4, 1, 1, 10, 1023, true)).toBe(1012);
  });

  it('always gives a code of the field', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        (bits, wraps, a, b, ahead, span) => {
          const maxCode = 2 ** bits - 1;
          const baseline = a % (maxCode + 1);
          const before = b % (maxCode + 1);
          const code = extrapolateCode(baseline, before, ahead, span, bits, maxCode, wraps);
          expect(Number.isInteger(code) && code >= 0 && code <= maxCode).toBe(true);
        },
      ),
    );
  });

  it('is the documented formula, b + round((b − p) × ahead / span) the short way round, at every width', () => {
    // docs/sync.md "Predicted motion", with plain modulo arithmetic: both ends must get exactly this.
    const documented = (b: number, p: number, ahead: number, span: number, bits: number, wraps: boolean) => {
      const turn = 2 ** bits;
      let moved = b - p;
      if (wraps) moved = ((((moved + turn / 2) % turn) + turn) % turn) - turn / 2;
      if (moved === 0 || span <= 0 || ahead <= 0) return b;
      const predicted = b + Math.round((moved * ahead) / span);
      return wraps ? ((predicted % turn) + turn) % turn : Math.max(0, Math.min(predicted, turn - 1));
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (bits, wraps, a, b, ahead, span) => {
          const maxCode = 2 ** bits - 1;
          const baseline = Math.floor(a * (maxCode + 1));
          const before = Math.floor(b * (maxCode + 1));
          expect(extrapolateCode(baseline, before, ahead, span, bits, maxCode, wraps)).toBe(
            documented(baseline, before, ahead, span, bits, wraps),
          );
          // the same interval again, taken without the division
          expect(extrapolateCode(baseline, before, span, span, bits, maxCode, wraps)).toBe(
            documented(baseline, before, span, span, bits, wraps),
          );
        },
      ),
      { numRuns: 2000, seed: 20261130 },
    );
  });
});
