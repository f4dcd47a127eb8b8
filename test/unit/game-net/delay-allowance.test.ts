import { describe, expect, it } from 'vitest';
import {
  DELAY_RATE_WINDOW_MS,
  delayCapByRecentRates,
  honestDelayCapMs,
} from '../../../game/net/server/delay-allowance.js';

describe('the delay an honest client may claim', () => {
  it('is three of its slowest recent intervals (with 10% slack), never below the floor', () => {
    expect(honestDelayCapMs(30, 150)).toBe(150);
    expect(honestDelayCapMs(20, 150)).toBeCloseTo(165, 6);
    expect(honestDelayCapMs(10, 150)).toBeCloseTo(330, 6);
    expect(honestDelayCapMs(5, 150)).toBeCloseTo(660, 6);
    expect(honestDelayCapMs(0, 150)).toBe(150);
    expect(honestDelayCapMs(Number.NaN, 150)).toBe(150);
  });

  it('asks the rates for the slowest of the last 10 s, on their own clock', () => {
    const asked: number[] = [];
    const rates = {
      lowestRateHz: (player: string, since: number) => {
        asked.push(since);
        return player === 'poor link' ? 10 : 30;
      },
    };
    const capOf = delayCapByRecentRates(rates, () => 50_000);
    expect(capOf('poor link')).toBeCloseTo(330, 6);
    expect(capOf('good link')).toBe(150);
    expect(asked).toEqual([50_000 - DELAY_RATE_WINDOW_MS, 50_000 - DELAY_RATE_WINDOW_MS]);
  });
});
