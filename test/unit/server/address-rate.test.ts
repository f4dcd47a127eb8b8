import { describe, expect, it } from 'vitest';
import { AddressRate } from '../../../src/server/address-rate.js';
import { resolveLimits } from '../../../src/server/options.js';

const defaults = resolveLimits({});

describe('a rate per address', () => {
  it('room creation defaults to 20 at once, then one a second, saying how long to wait', () => {
    const rate = new AddressRate({
      burst: defaults.roomCreateBurst,
      perSecond: defaults.roomCreatesPerSecond,
    });
    const waits = Array.from({ length: 22 }, () => rate.take('203.0.113.7', 0));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(20);
    expect(waits.slice(20)).toEqual([1_000, 1_000]);
    expect(rate.take('203.0.113.7', 400)).toBe(600);
    expect(rate.take('203.0.113.7', 1_000)).toBe(0);
    // Another address has a bucket of its own.
    expect(rate.take('198.51.100.2', 1_000)).toBe(0);
  });

  it('forgets an address once its bucket has refilled, and not before', () => {
    const rate = new AddressRate({ burst: 2, perSecond: 1 });
    rate.take('a', 0);
    rate.take('b', 0);
    rate.take('b', 0);
    rate.sweep(1_000);
    expect(rate.size).toBe(1); // 'a' full again after a second, 'b' after two
    rate.sweep(2_000);
    expect(rate.size).toBe(0);
  });

  it('holds at most `maxTracked` addresses: the least recently creating one is forgotten, no one refused', () => {
    const rate = new AddressRate({ burst: 1, perSecond: 0.001 }, 3);
    for (const address of ['a', 'b', 'c']) expect(rate.take(address, 0)).toBe(0);
    expect(rate.take('a', 1)).toBeGreaterThan(0); // 'a' is now the most recent
    expect(rate.take('d', 2)).toBe(0);
    expect(rate.size).toBe(3);
    // 'b' was forgotten to make room, so it starts again; 'a' was kept, and is still refused.
    expect(rate.take('a', 3)).toBeGreaterThan(0);
    expect(rate.take('b', 4)).toBe(0);
    expect(rate.size).toBe(3);
  });

  it('says how long an address must wait without taking anything', () => {
    const rate = new AddressRate({ burst: 2, perSecond: 1 });
    expect(rate.waitMs('a', 0)).toBe(0); // never seen: a full bucket
    rate.take('a', 0);
    expect(rate.waitMs('a', 0)).toBe(0);
    expect(rate.waitMs('a', 0)).toBe(0); // asking took nothing
    rate.take('a', 0);
    expect(rate.waitMs('a', 0)).toBe(1_000);
    expect(rate.waitMs('a', 600)).toBe(400);
    expect(rate.waitMs('a', 1_000)).toBe(0);
  });
});
