import { AdaptiveDelay } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

/*
 * The render clock follows the delay's target at most 3 % faster or slower than real time, and the target
 * comes down with a 3 s time constant: after a spell of slow snapshots (a loaded server grades a link
 * down to 5 a second) it comes down by far more than 30 ms a second, and the frames drawn lie further
 * back than the target says. A shot drawn then must claim the delay the render clock applies, or the
 * server refuses its reach (the round trip and the stated delay do not explain it).
 */
describe('AdaptiveDelay.appliedDelayMs', () => {
  it('is how far behind the snapshots the render clock draws, above the target while that comes down', () => {
    const delay = new AdaptiveDelay();
    expect(delay.appliedDelayMs).toBeUndefined();
    // Snapshots sent at `now`, every other one held up `jitterMs` on the way: the least delayed ones
    // arrive at once, so render time is now minus the delay applied.
    let now = 0;
    const run = (intervalMs: number, untilMs: number, jitterMs = 0) => {
      let largestGap = 0;
      for (let index = 0; now < untilMs; now += intervalMs, index++) {
        delay.onSnapshot(now, now + (index % 2) * jitterMs);
        const renderTime = delay.renderTime(now) as number;
        expect(renderTime).toBeCloseTo(now - (delay.appliedDelayMs as number), 6);
        largestGap = Math.max(largestGap, (delay.appliedDelayMs as number) - delay.targetDelayMs);
      }
      return largestGap;
    };
    run(200, 30_000, 150);
    expect(delay.appliedDelayMs).toBeCloseTo(delay.targetDelayMs, 0);
    // Back to 30 a second: the target falls toward 33 ms faster than the clock may follow.
    expect(run(1000 / 30, 33_000)).toBeGreaterThan(100);
    expect(delay.appliedDelayMs).toBeGreaterThan(delay.targetDelayMs + 100);
  });
});
