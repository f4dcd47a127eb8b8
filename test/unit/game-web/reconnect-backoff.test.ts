import { backoffDelay } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { PAGE_BACKOFF } from '../../../game/web/reconnect-backoff.js';

const ALMOST_ONE = 1 - Number.EPSILON;

describe("the page's reconnect backoff", () => {
  it('waits at most 3 s between attempts however long the server has been down', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      expect(backoffDelay(attempt, PAGE_BACKOFF, () => ALMOST_ONE)).toBeLessThanOrEqual(3_000);
    }
    expect(backoffDelay(20, PAGE_BACKOFF, () => ALMOST_ONE)).toBeGreaterThanOrEqual(2_999);
  });

  it('keeps the full jitter and the growth from 250 ms: a crowd of pages does not retry in step', () => {
    expect(backoffDelay(0, PAGE_BACKOFF, () => ALMOST_ONE)).toBeLessThanOrEqual(250);
    expect(backoffDelay(2, PAGE_BACKOFF, () => ALMOST_ONE)).toBeLessThanOrEqual(1_000);
    expect(backoffDelay(20, PAGE_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(20, PAGE_BACKOFF, () => 0.5)).toBe(1_500);
  });
});
