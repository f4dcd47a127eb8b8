import { describe, expect, it } from 'vitest';
import { FLOOD_FACTOR, FLOOD_WINDOW_MS, FloodWatch } from '../../../src/client/mesh/flood-watch.js';

/** Refusals spread evenly over `ms` from `start`; true if any of them made a flood. */
function refuseOver(watch: FloodWatch, count: number, start: number, ms: number): boolean {
  let flooded = false;
  for (let i = 0; i < count; i++) flooded = watch.refused(start + (i * ms) / count) || flooded;
  return flooded;
}

describe('FloodWatch', () => {
  const rate = 240;
  const threshold = FLOOD_FACTOR * rate * (FLOOD_WINDOW_MS / 1_000); // 1,920

  it('a peer refused four times its rate for two seconds floods; just under that does not', () => {
    expect(refuseOver(new FloodWatch(rate), threshold - 1, 0, 1_900)).toBe(false);
    expect(refuseOver(new FloodWatch(rate), threshold, 0, 1_900)).toBe(true);
  });

  it('that many at once is a flood too', () => {
    expect(refuseOver(new FloodWatch(rate), threshold, 10_000, 5)).toBe(true);
  });

  it('refusals older than the window are forgotten: a steady excess under the factor never floods', () => {
    const watch = new FloodWatch(rate);
    // three times the rate refused, for a minute: 720 a second
    expect(refuseOver(watch, 720 * 60, 0, 60_000)).toBe(false);
  });

  it('a long quiet spell empties the window', () => {
    const watch = new FloodWatch(rate);
    expect(refuseOver(watch, threshold - 10, 0, 100)).toBe(false);
    expect(refuseOver(watch, 10, 2_500, 10)).toBe(false);
  });

  it('reset starts counting afresh', () => {
    const watch = new FloodWatch(rate);
    expect(refuseOver(watch, threshold, 0, 100)).toBe(true);
    watch.reset();
    expect(watch.refused(150)).toBe(false);
    expect(refuseOver(watch, threshold - 2, 200, 100)).toBe(false);
    expect(watch.refused(400)).toBe(true);
  });
});
