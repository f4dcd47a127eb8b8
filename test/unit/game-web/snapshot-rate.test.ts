import { describe, expect, it } from 'vitest';
import { SnapshotRate } from '../../../game/web/overlay/snapshot-rate.js';

describe('SnapshotRate', () => {
  it('counts snapshots per second between two readings of one room', () => {
    const rate = new SnapshotRate();
    const room = {};
    expect(rate.sample(room, 100, 1_000)).toBeNaN();
    expect(rate.sample(room, 130, 1_500)).toBe(60);
    expect(rate.sample(room, 160, 2_000)).toBe(60);
  });

  it('after a room switch starts again from the new room (never a rate across two rooms counters)', () => {
    const rate = new SnapshotRate();
    const first = {};
    const second = {};
    rate.sample(first, 5_000, 1_000);
    rate.sample(first, 5_030, 1_500);
    // The new room's counter starts near 0: against the old room's 5 030 that was -10 000 /s.
    expect(rate.sample(second, 30, 2_000)).toBeNaN();
    expect(rate.sample(second, 60, 2_500)).toBe(60);
  });

  it('a counter that went back (a reset) starts a new baseline rather than a negative rate', () => {
    const rate = new SnapshotRate();
    const room = {};
    rate.sample(room, 500, 1_000);
    expect(rate.sample(room, 10, 1_500)).toBeNaN();
    expect(rate.sample(room, 40, 2_000)).toBe(60);
  });

  it('no time passed: keeps the last rate', () => {
    const rate = new SnapshotRate();
    const room = {};
    rate.sample(room, 0, 1_000);
    rate.sample(room, 30, 1_500);
    expect(rate.sample(room, 31, 1_500)).toBe(60);
  });
});
