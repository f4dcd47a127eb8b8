import { describe, expect, it } from 'vitest';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { StallExcuse } from '../../../game/server/stall-excuse.js';

describe('StallExcuse', () => {
  it('excuses no refusal without a stall', () => {
    const excuse = new StallExcuse<string>();
    expect(excuse.unexcused('a', 'input-rate', 3, 1_000)).toBe(3);
    expect(excuse.explainsReach(1, 1_000)).toBe(false);
  });

  it("excuses a player's refusals up to one a tick of the stall, per kind", () => {
    const excuse = new StallExcuse<string>();
    excuse.stalled(9, 1_000);
    expect(excuse.unexcused('a', 'input-rate', 4, 1_100)).toBe(0);
    // 5 left of its 9: the rest count.
    expect(excuse.unexcused('a', 'input-rate', 8, 1_200)).toBe(3);
    expect(excuse.unexcused('a', 'input-rate', 1, 1_300)).toBe(1);
    // Each kind and each player has an allowance of its own.
    expect(excuse.unexcused('a', 'input-future', 9, 1_300)).toBe(0);
    expect(excuse.unexcused('b', 'input-rate', 10, 1_300)).toBe(1);
  });

  it('lets a stall explain nothing once its time is out', () => {
    const excuse = new StallExcuse<string>(2_000);
    excuse.stalled(9, 1_000);
    expect(excuse.unexcused('a', 'input-rate', 1, 2_999)).toBe(0);
    expect(excuse.unexcused('a', 'input-rate', 1, 3_000)).toBe(1);
    expect(excuse.explainsReach(1, 3_000)).toBe(false);
  });

  it('adds the allowances of stalls close together, the oldest used first', () => {
    const excuse = new StallExcuse<string>(2_000);
    excuse.stalled(9, 1_000);
    excuse.stalled(10, 1_500);
    expect(excuse.unexcused('a', 'input-rate', 12, 1_600)).toBe(0);
    // The first stall's 9 went first; of the second's 10, 7 are left, and only until it expires.
    expect(excuse.unexcused('a', 'input-rate', 20, 3_100)).toBe(13);
    expect(excuse.unexcused('a', 'input-rate', 1, 3_500)).toBe(1);
  });

  it("explains a shot view's excess reach within the length of a recent stall, not beyond it", () => {
    const excuse = new StallExcuse<string>();
    excuse.stalled(9, 1_000);
    expect(excuse.explainsReach(9 * TICK_MS, 1_500)).toBe(true);
    expect(excuse.explainsReach(9 * TICK_MS + 1, 1_500)).toBe(false);
    excuse.stalled(150, 1_600);
    expect(excuse.explainsReach(2_000, 1_700)).toBe(true);
    expect(excuse.explainsReach(2_600, 1_700)).toBe(false);
  });

  it('forgets a player who left: one who comes back has its allowance again', () => {
    const excuse = new StallExcuse<string>();
    excuse.stalled(5, 1_000);
    expect(excuse.unexcused('a', 'input-rate', 5, 1_100)).toBe(0);
    excuse.forget('a');
    expect(excuse.unexcused('a', 'input-rate', 5, 1_200)).toBe(0);
  });
});
