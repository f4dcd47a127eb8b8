import { seededRandom } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { atan2, cos, sin } from '../../../game/sim/index.js';

/** The bounds trig.ts documents. */
const SIN_COS_MAX_ERROR = 1e-14;
const ATAN2_MAX_ERROR = 1e-14;

describe('deterministic trigonometry', () => {
  it('sin and cos stay within 1e-14 of the engine for |x| <= 1e4', () => {
    const random = seededRandom(11);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const scale = i % 4 === 0 ? 1e4 : i % 4 === 1 ? 100 : 4;
      const x = (random() * 2 - 1) * scale;
      worst = Math.max(worst, Math.abs(sin(x) - Math.sin(x)), Math.abs(cos(x) - Math.cos(x)));
    }
    expect(worst).toBeLessThan(SIN_COS_MAX_ERROR);
  });

  it('is exact where it matters for headings: 0, and symmetric in sign', () => {
    expect(sin(0)).toBe(0);
    expect(cos(0)).toBe(1);
    for (const x of [0.1, 1, 2.5, Math.PI / 3, 100]) {
      expect(sin(-x)).toBe(-sin(x));
      expect(cos(-x)).toBe(cos(x));
    }
    expect(Math.abs(sin(Math.PI))).toBeLessThan(1e-15);
    expect(cos(Math.PI)).toBeCloseTo(-1, 15);
  });

  it('atan2 stays within 1e-14 of the engine in every quadrant and on the axes', () => {
    const random = seededRandom(12);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const magnitude = i % 3 === 0 ? 1e-3 : i % 3 === 1 ? 1 : 1e3;
      const y = (random() * 2 - 1) * magnitude;
      const x = (random() * 2 - 1) * (i % 5 === 0 ? 1e-6 : magnitude);
      worst = Math.max(worst, Math.abs(atan2(y, x) - Math.atan2(y, x)));
    }
    for (const [y, x] of [
      [0, 1],
      [1, 0],
      [0, -1],
      [-1, 0],
      [1, 1],
      [-1, -1],
      [3, -3],
    ] as const) {
      worst = Math.max(worst, Math.abs(atan2(y, x) - Math.atan2(y, x)));
    }
    expect(worst).toBeLessThan(ATAN2_MAX_ERROR);
    expect(atan2(0, 0)).toBe(0);
    expect(atan2(0, -1)).toBe(Math.PI);
  });
});
