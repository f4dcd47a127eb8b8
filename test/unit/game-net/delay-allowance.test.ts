import { describe, expect, it } from 'vitest';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import {
  DELAY_RATE_WINDOW_MS,
  delayAllowanceMs,
  delayCapByRecentRates,
  honestDelayCapMs,
  MAX_DELAY_ALLOWANCE_MS,
} from '../../../game/net/server/delay-allowance.js';
import { SnapshotGaps } from '../../../game/net/server/snapshot-gaps.js';

describe('the delay an honest client may claim', () => {
  it('is three of its slowest recent intervals (with 10% slack), never below the floor', () => {
    expect(honestDelayCapMs(30, 150)).toBe(150);
    expect(honestDelayCapMs(20, 150)).toBeCloseTo(165, 6);
    expect(honestDelayCapMs(10, 150)).toBeCloseTo(330, 6);
    // A hidden page's 5 Hz would be 660: no delay is compensated past the hard cap.
    expect(honestDelayCapMs(5, 150)).toBe(MAX_DELAY_ALLOWANCE_MS);
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

  // A loaded server (ticks of 60-100 ms) sent a 30 Hz player snapshots 130-170 ms apart: its honest
  // client drew three of those back, 385-500 ms, while the rate said 150 at most.
  it('follows the longest gap the server really left between snapshots, up to the hard cap', () => {
    const rates = { lowestRateHz: () => 30 };
    const gaps = new Map([
      ['steady', 1000 / 30],
      ['stalled', 150],
      ['frozen', 1_000],
    ]);
    const capOf = delayCapByRecentRates(
      rates,
      () => 0,
      150,
      (player: string) => gaps.get(player) ?? 0,
    );
    expect(capOf('steady')).toBe(150);
    expect(capOf('stalled')).toBeCloseTo(495, 6);
    expect(capOf('frozen')).toBe(MAX_DELAY_ALLOWANCE_MS);
    // The slower of the rate and the gaps counts.
    expect(
      delayCapByRecentRates(
        { lowestRateHz: () => 10 },
        () => 0,
        150,
        () => 50,
      )('any'),
    ).toBeCloseTo(330, 6);
    expect(delayAllowanceMs(Number.NaN, 150)).toBe(150);
  });
});

describe('the gaps between snapshots sent to a player', () => {
  it('are measured on the tick timeline, per player, within the window kept', () => {
    const gaps = new SnapshotGaps<string>(1_000);
    for (const tick of [2, 4, 6, 16, 18]) gaps.sent('a', tick);
    gaps.sent('b', 4);
    expect(gaps.longestMs('a', 0)).toBeCloseTo(10 * TICK_MS, 6);
    // Only gaps that ended after the tick asked about.
    expect(gaps.longestMs('a', 16)).toBeCloseTo(2 * TICK_MS, 6);
    expect(gaps.longestMs('b', 0)).toBe(0);
    // A second later the 10-tick gap is dropped; a repeated or older tick changes nothing.
    gaps.sent('a', 80);
    gaps.sent('a', 80);
    gaps.sent('a', 79);
    expect(gaps.longestMs('a', 0)).toBeCloseTo(62 * TICK_MS, 6);
    gaps.forget('a');
    expect(gaps.longestMs('a', 0)).toBe(0);
  });
});
