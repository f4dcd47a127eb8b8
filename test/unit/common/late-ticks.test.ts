import { describe, expect, it } from 'vitest';
import { LateTicks } from '../../../src/common/index.js';

describe('LateTicks', () => {
  it('takes a run more than two periods after the last for a stall, and measures the next from it', () => {
    const ticks = new LateTicks(1_000, 0);
    expect(ticks.late(1_000)).toBe(false);
    expect(ticks.late(2_900)).toBe(false); // a timer a little behind is on time
    expect(ticks.late(5_000)).toBe(true); // 2.1 periods
    expect(ticks.late(6_000)).toBe(false);
  });

  it('measures the first run from the start, and from a restart', () => {
    const ticks = new LateTicks(500, 10_000);
    expect(ticks.late(11_001)).toBe(true);
    ticks.restart(20_000);
    expect(ticks.late(20_500)).toBe(false);
  });
});
