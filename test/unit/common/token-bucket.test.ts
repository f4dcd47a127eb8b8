import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/common/index.js';

describe('TokenBucket', () => {
  it('starts full: allows a burst of `capacity`, then refuses', () => {
    const bucket = new TokenBucket(3, 10, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('refills at the given rate per second, in fractions of a token', () => {
    const bucket = new TokenBucket(3, 10, 0); // one token per 100 ms
    for (let i = 0; i < 3; i++) bucket.take(0);
    expect(bucket.take(50)).toBe(false); // half a token: not enough
    expect(bucket.take(100)).toBe(true); // the half kept accruing: 100 ms in all
    expect(bucket.take(100)).toBe(false);
    expect(bucket.take(250)).toBe(true);
  });

  it('says how long until the next token: 1 ms at least, when one is there already', () => {
    const bucket = new TokenBucket(3, 10, 0); // one token per 100 ms
    expect(bucket.msUntilToken(0)).toBe(1);
    for (let i = 0; i < 3; i++) bucket.take(0);
    expect(bucket.msUntilToken(0)).toBe(100);
    expect(bucket.msUntilToken(30)).toBe(70);
    expect(bucket.take(bucket.msUntilToken(30) + 30)).toBe(true);
  });

  it('charges what must go anyway, into debt down to minus its capacity, which holds back later takes', () => {
    const bucket = new TokenBucket(3, 10, 0); // one token per 100 ms
    bucket.charge(0, 5); // 3 - 5 = -2
    expect(bucket.take(0)).toBe(false);
    expect(bucket.take(250)).toBe(false); // -2 + 2.5 = 0.5
    expect(bucket.take(300)).toBe(true); // 1 token
    bucket.charge(300, 100); // floored at -3
    expect(bucket.msUntilToken(300)).toBe(400);
  });

  it('never holds more than its capacity, however long it idles', () => {
    const bucket = new TokenBucket(3, 10, 0);
    expect(bucket.take(1_000_000, 3)).toBe(true);
    expect(bucket.take(1_000_000)).toBe(false);
  });

  it('says when it has refilled to its capacity', () => {
    const bucket = new TokenBucket(2, 10, 0); // one token per 100 ms
    expect(bucket.full(0)).toBe(true);
    bucket.take(0);
    expect(bucket.full(99)).toBe(false);
    expect(bucket.full(100)).toBe(true);
    bucket.charge(100, 4); // -2: four tokens short
    expect(bucket.full(499)).toBe(false);
    expect(bucket.full(500)).toBe(true);
  });

  it('gives back a token taken, never past its capacity', () => {
    const bucket = new TokenBucket(2, 1, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, false]);
    bucket.refund(0);
    expect([bucket.take(0), bucket.take(0)]).toEqual([true, false]);
    bucket.refund(0);
    bucket.refund(0);
    bucket.refund(0);
    expect(bucket.full(0)).toBe(true);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, false]);
  });

  it('a refused take takes nothing', () => {
    const bucket = new TokenBucket(5, 1, 0);
    expect(bucket.take(0, 4)).toBe(true);
    expect(bucket.take(0, 2)).toBe(false);
    expect(bucket.take(0, 1)).toBe(true);
    expect(bucket.take(0, 1)).toBe(false);
  });

  it('with `keep`, takes only what leaves that many behind, and takes nothing otherwise', () => {
    const bucket = new TokenBucket(10, 1000, 0);
    for (let taken = 0; taken < 7; taken++) expect(bucket.take(0, 1, 3)).toBe(true);
    expect(bucket.take(0, 1, 3)).toBe(false); // 3 left: they are kept
    expect(bucket.take(0, 3)).toBe(true); // what may not wait still gets them
    expect(bucket.take(0, 1)).toBe(false);
  });

  it('a cost above capacity can never be paid', () => {
    const bucket = new TokenBucket(2, 1000, 0);
    expect(bucket.take(10_000, 3)).toBe(false);
    expect(bucket.take(10_000, 2)).toBe(true);
  });

  it('a clock that steps back refills nothing until it has caught up again', () => {
    const bucket = new TokenBucket(1, 10, 1_000);
    expect(bucket.take(1_000)).toBe(true);
    expect(bucket.take(500)).toBe(false);
    expect(bucket.take(600)).toBe(false); // the interval 500-1,000 was already counted once
    expect(bucket.take(1_100)).toBe(true);
  });

  /** How many tokens can be taken at `now`, one at a time. */
  function drain(bucket: TokenBucket, now: number): number {
    let taken = 0;
    while (bucket.take(now)) taken++;
    return taken;
  }

  describe('overfill: refill past the capacity for a span the owner could not spend', () => {
    it('a full bucket overfilled for 2 s after 2 s idle holds its capacity and 2 s of refill', () => {
      const bucket = new TokenBucket(3, 10, 0);
      bucket.overfill(2_000, 2_000);
      expect(drain(bucket, 2_000)).toBe(3 + 20);
    });

    it('gives no more than refilled since the last update: a drained bucket gets the span at the rate', () => {
      const bucket = new TokenBucket(3, 10, 0);
      expect(drain(bucket, 0)).toBe(3);
      bucket.overfill(2_000, 2_000);
      expect(drain(bucket, 2_000)).toBe(20);
      bucket.overfill(2_500, 10_000); // 0.5 s since: 5, whatever the span
      expect(drain(bucket, 2_500)).toBe(5);
    });

    it('keeps what it put past the capacity until spent, refilling nothing on top of it', () => {
      const bucket = new TokenBucket(3, 10, 0);
      bucket.overfill(2_000, 2_000); // 23
      expect(bucket.take(2_000, 10)).toBe(true); // 13
      expect(bucket.full(60_000)).toBe(true);
      bucket.refund(60_000, 5); // not past what overfill put there
      expect(drain(bucket, 60_000)).toBe(13);
      expect(drain(bucket, 60_100)).toBe(1); // spent: refilling again, to the capacity
    });
  });

  it('refuses a configuration that cannot work', () => {
    for (const [capacity, rate] of [
      [0, 1],
      [1, 0],
      [-1, 1],
      [1, -1],
      [Number.NaN, 1],
      [1, Number.NaN],
    ] as const) {
      expect(() => new TokenBucket(capacity, rate, 0), `${capacity}, ${rate}`).toThrow(TypeError);
    }
  });
});
