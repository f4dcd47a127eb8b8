import { describe, expect, it } from 'vitest';
import { honestDelayCapMs } from '../../../game/net/server/delay-allowance.js';

describe('the delay an honest client may claim', () => {
  it('is three of its slowest recent intervals (with 10% slack), never below the floor', () => {
    expect(honestDelayCapMs(30, 150)).toBe(150);
    expect(honestDelayCapMs(20, 150)).toBeCloseTo(165, 6);
    expect(honestDelayCapMs(10, 150)).toBeCloseTo(330, 6);
    expect(honestDelayCapMs(5, 150)).toBeCloseTo(660, 6);
    expect(honestDelayCapMs(0, 150)).toBe(150);
    expect(honestDelayCapMs(Number.NaN, 150)).toBe(150);
  });
});
