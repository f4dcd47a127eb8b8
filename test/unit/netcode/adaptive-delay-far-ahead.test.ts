import { describe, expect, it } from 'vitest';
import { AdaptiveDelay } from '../../../src/netcode/index.js';

/** 200 snapshots at 20 Hz from server time 100 s, 50 ms in transit; `arrive` sends the next one. */
function steadyAt100s(numbered: boolean) {
  const adaptive = new AdaptiveDelay();
  let local = 0;
  const arrive = (serverTime: number, seq: number, afterMs = 50) => {
    local += afterMs;
    adaptive.onSnapshot(serverTime, local, numbered ? seq % 65_536 : undefined);
    return adaptive.renderTime(local) as number;
  };
  for (let n = 0; n < 200; n++) arrive(100_000 + n * 50, n);
  return { adaptive, arrive };
}

describe('AdaptiveDelay: one snapshot stamped far ahead of the rest', () => {
  for (const numbered of [true, false]) {
    it(`(${numbered ? 'numbered' : 'unnumbered'}) counts as that snapshot lost, no more`, () => {
      /** Snapshots 201-240 after snapshot 200 came as `at200`: a bad tick, or lost (undefined). */
      const runWith = (at200: number | undefined) => {
        const { adaptive, arrive } = steadyAt100s(numbered);
        if (at200 === undefined)
          arrive(100_000 + 199 * 50, 199, 50); // a duplicate: ignored, as lost
        else arrive(at200, 200);
        let rendered = 0;
        for (let n = 201; n <= 240; n++) rendered = arrive(100_000 + n * 50, n);
        return { adaptive, rendered };
      };
      const lost = runWith(undefined);
      // A minute ahead of the timeline, in the place of snapshot 200.
      const bad = runWith(100_000 + 200 * 50 + 60_000);
      // Two seconds later it still held the delay at its cap (three intervals, for some 20 s): its lead
      // counted as a minute's jitter and, unnumbered, as twelve hundred lost snapshots.
      expect(bad.adaptive.targetDelayMs).toBeCloseTo(lost.adaptive.targetDelayMs, 6);
      expect(bad.adaptive.targetDelayMs).toBeLessThan(3 * 50);
      expect(bad.adaptive.jitterMs).toBeLessThan(1);
      expect(bad.adaptive.lossRate).toBeCloseTo(lost.adaptive.lossRate, 9);
      expect(bad.rendered).toBeCloseTo(lost.rendered, 6);
    });
  }

  it('that the next one continues is a server time gone forward: followed within two snapshots', () => {
    const { adaptive, arrive } = steadyAt100s(true);
    const steady = adaptive.targetDelayMs;
    arrive(500_000, 200);
    const rendered = arrive(500_050, 201);
    expect(500_050 - rendered).toBeGreaterThan(0);
    expect(500_050 - rendered).toBeLessThanOrEqual(steady + 1);
    expect(adaptive.jitterMs).toBeLessThan(1);
    expect(adaptive.targetDelayMs).toBeCloseTo(steady, 0);
  });

  it('a burst of snapshots held up together (a stalled path) is no jump ahead', () => {
    const { adaptive, arrive } = steadyAt100s(true);
    // Three seconds of snapshots arrive at once after the path stalled, then the timeline goes on.
    arrive(100_000 + 200 * 50, 200, 3_000);
    for (let n = 201; n < 260; n++) arrive(100_000 + n * 50, n, 0);
    const rendered = arrive(100_000 + 260 * 50, 260, 50);
    expect(adaptive.lossRate).toBeLessThan(0.01);
    // Render time follows the newest data, not the stalled timeline (nothing was dropped as far ahead).
    expect(100_000 + 260 * 50 - rendered).toBeLessThan(1_000);
  });
});
