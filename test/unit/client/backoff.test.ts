import { backoffDelay } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';

describe('backoffDelay (exponential, full jitter, capped)', () => {
  it('draws uniformly below a ceiling that doubles per attempt', () => {
    expect(backoffDelay(0, { baseMs: 100 }, () => 0.999)).toBe(99);
    expect(backoffDelay(3, { baseMs: 100 }, () => 0.5)).toBe(400);
    expect(backoffDelay(3, { baseMs: 100 }, () => 0)).toBe(0);
  });

  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [10, 30, 1_000]) {
      expect(backoffDelay(attempt, { baseMs: 250, maxMs: 10_000 }, () => 0.999_999)).toBeLessThan(10_000);
    }
  });

  it('spreads a crowd: 1,000 clients on attempt 4 do not collide', () => {
    const delays = Array.from({ length: 1_000 }, () => backoffDelay(4, { baseMs: 250, maxMs: 10_000 }));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4_000);
    expect(new Set(delays).size).toBeGreaterThan(500);
  });
});
