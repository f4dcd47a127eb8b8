import { describe, expect, it } from 'vitest';
import { RATE_MEMORY_MS, RateMemory } from '../../../src/server/sync/rate-memory.js';

describe('RateMemory', () => {
  it('answers the lowest rate in effect from a time on', () => {
    const rates = new RateMemory(30);
    expect(rates.lowestSince(0)).toBe(30);
    rates.set(21, 1_000); // 30 until 1 s
    rates.set(14.7, 2_000); // 21 until 2 s
    rates.set(20, 10_000); // 14.7 until 10 s
    expect(rates.lowestSince(0)).toBe(14.7);
    expect(rates.lowestSince(10_000)).toBe(14.7); // it ended at 10 s: still in effect then
    expect(rates.lowestSince(10_001)).toBe(20);
    rates.set(20, 12_000); // no change
    expect(rates.lowestSince(10_001)).toBe(20);
  });

  it(`forgets rates that ended more than ${RATE_MEMORY_MS} ms before the newest change`, () => {
    const rates = new RateMemory(5);
    rates.set(30, 1_000);
    for (let second = 2; second <= RATE_MEMORY_MS / 1_000 + 3; second++) {
      rates.set(second % 2 === 0 ? 29 : 30, second * 1_000);
    }
    // 5 Hz ended at 1 s, more than the memory before the newest change: gone even when asked from 0.
    expect(rates.lowestSince(0)).toBe(29);
  });
});
