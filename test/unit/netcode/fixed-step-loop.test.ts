import { FixedStepLoop } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

describe('FixedStepLoop', () => {
  it('runs exactly rate * time ticks over an hour of jittery frames', () => {
    const random = seededRandom(42);
    const loop = new FixedStepLoop();
    let now = 1_000_000.123;
    const start = now;
    loop.advance(now);
    let ticks = 0;
    while (now - start < 3_600_000) {
      // Frames 4..30 ms apart, as a browser's rAF under load or a server's coarse timer might deliver them.
      now += 4 + random() * 26;
      ticks += loop.advance(now);
    }
    const expected = ((now - start) * 60) / 1000;
    expect(Math.abs(ticks - expected)).toBeLessThanOrEqual(1);
    expect(loop.ticks).toBe(ticks);
    expect(loop.droppedTicks).toBe(0);
  });

  it('lands exactly on tick boundaries: 60 ticks in the first second at 60 Hz', () => {
    const loop = new FixedStepLoop({ tickRate: 60, maxCatchUpTicks: 100 });
    loop.advance(0);
    expect(loop.advance(1000 / 60)).toBe(1);
    expect(loop.advance(999)).toBe(58);
    expect(loop.advance(1000)).toBe(1);
  });

  it('caps catch-up at maxCatchUpTicks and drops (and counts) the rest, keeping the phase', () => {
    const loop = new FixedStepLoop({ tickRate: 60, maxCatchUpTicks: 5 });
    loop.advance(0);
    loop.advance(8); // half a tick in
    expect(loop.advance(1008)).toBe(5);
    expect(loop.droppedTicks).toBe(55);
    expect(loop.alpha(1008)).toBeCloseTo(0.48, 5);
    // From here on it ticks normally again, on the same phase.
    expect(loop.advance(1008 + 1000 / 60)).toBe(1);
    expect(loop.advance(1008 + 4000 / 60)).toBe(3);
    expect(loop.droppedTicks).toBe(55);
  });

  it('tells the ticks owed, past one and past the catch-up limit, until they are run', () => {
    const loop = new FixedStepLoop({ tickRate: 60, maxCatchUpTicks: 5 });
    expect(loop.owed(0)).toBe(0); // not started
    loop.advance(0);
    expect(loop.owed(8)).toBeCloseTo(0.48, 5);
    // A stall: 60.48 ticks due, where alpha stops at 1.
    expect(loop.owed(1008)).toBeCloseTo(60.48, 5);
    expect(loop.alpha(1008)).toBe(1);
    expect(loop.advance(1008)).toBe(5);
    expect(loop.owed(1008)).toBeCloseTo(0.48, 5);
    loop.setHidden(true, 1008);
    expect(loop.owed(5_000)).toBe(0);
  });

  it('idles while hidden and resumes without catching up', () => {
    const loop = new FixedStepLoop({ maxCatchUpTicks: 100 });
    loop.advance(0);
    expect(loop.advance(500)).toBe(30);
    loop.setHidden(true, 500);
    expect(loop.hidden).toBe(true);
    expect(loop.advance(10_000)).toBe(0);
    expect(loop.alpha(10_000)).toBe(0);
    loop.setHidden(false, 60_000);
    expect(loop.advance(60_000)).toBe(0);
    expect(loop.advance(60_000 + 1000 / 60)).toBe(1);
    expect(loop.advance(61_000)).toBe(59);
    expect(loop.droppedTicks).toBe(0);
  });

  it('counts none of the hidden time when its rate changes while hidden', () => {
    const loop = new FixedStepLoop({ maxCatchUpTicks: 100 });
    loop.advance(0);
    expect(loop.advance(500)).toBe(30);
    loop.setHidden(true, 500);
    // A caller still steering the rate while hidden (a timer-driven loop, a bot).
    loop.setRateScale(1.03, 1_000);
    loop.setHidden(false, 2_000);
    expect(loop.advance(2_000)).toBe(0);
    // At the new rate from the moment it resumed: 1.03 * 60 ticks in the next second.
    expect(loop.advance(3_000)).toBe(61);
    expect(loop.droppedTicks).toBe(0);
  });

  it('changes rate with setRateScale without skipping or repeating ticks', () => {
    const loop = new FixedStepLoop();
    loop.advance(0);
    let ticks = 0;
    let now = 0;
    const runFor = (ms: number) => {
      const end = now + ms;
      while (now < end) {
        now = Math.min(end, now + 7);
        ticks += loop.advance(now);
      }
    };
    runFor(10_000);
    expect(ticks).toBe(600);
    loop.setRateScale(1.03, now);
    expect(loop.tickRate).toBeCloseTo(61.8, 10);
    runFor(10_000);
    expect(Math.abs(ticks - 1218)).toBeLessThanOrEqual(1);
    loop.setRateScale(0.97, now);
    runFor(10_000);
    expect(Math.abs(ticks - (1218 + 582))).toBeLessThanOrEqual(1);
    expect(loop.tickMs).toBeCloseTo(1000 / 60, 10);
  });

  it('keeps the phase across a rate change (alpha is continuous)', () => {
    const loop = new FixedStepLoop();
    loop.advance(0);
    loop.advance(25); // 1.5 ticks in: one run, alpha 0.5
    expect(loop.alpha(25)).toBeCloseTo(0.5, 6);
    loop.setRateScale(1.02, 25);
    expect(loop.alpha(25)).toBeCloseTo(0.5, 6);
  });

  it('reports alpha in [0, 1], rising between ticks', () => {
    const loop = new FixedStepLoop();
    loop.advance(0);
    let previous = -1;
    for (let t = 0; t < 1000 / 60; t += 1) {
      const alpha = loop.alpha(t);
      expect(alpha).toBeGreaterThan(previous);
      expect(alpha).toBeLessThanOrEqual(1);
      previous = alpha;
    }
    expect(loop.alpha(100)).toBe(1); // ticks due, not run yet
  });

  it('rejects bad options', () => {
    expect(() => new FixedStepLoop({ tickRate: 0 })).toThrow(TypeError);
    expect(() => new FixedStepLoop({ maxCatchUpTicks: 1.5 })).toThrow(TypeError);
    expect(() => new FixedStepLoop().setRateScale(-1, 0)).toThrow(TypeError);
  });

  it('rejects a non-finite time in advance and leaves the loop as it was', () => {
    const loop = new FixedStepLoop({ tickRate: 60 });
    loop.advance(0);
    expect(loop.advance(100)).toBe(6);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => loop.advance(bad)).toThrow(new TypeError('nowMs must be a finite number'));
    }
    expect(loop.ticks).toBe(6);
    expect(loop.droppedTicks).toBe(0);
    expect(loop.advance(200)).toBe(6);
    expect(loop.ticks).toBe(12);
  });

  it('rejects a non-finite first time instead of anchoring on it', () => {
    const loop = new FixedStepLoop({ tickRate: 60 });
    expect(() => loop.advance(Number.NaN)).toThrow(TypeError);
    expect(loop.owed(1000)).toBe(0); // still not started
    expect(loop.advance(0)).toBe(0);
    expect(loop.advance(1000)).toBe(10); // capped by maxCatchUpTicks: started at 0, not at NaN
  });

  it('rejects a non-finite time in setRateScale, setHidden, alpha and owed, keeping its state', () => {
    const loop = new FixedStepLoop({ tickRate: 60, maxCatchUpTicks: 100 });
    loop.advance(0);
    expect(loop.advance(100)).toBe(6);
    expect(() => loop.setRateScale(1.02, Number.NaN)).toThrow(new TypeError('nowMs must be a finite number'));
    expect(loop.rateScale).toBe(1);
    expect(() => loop.setHidden(true, Number.NaN)).toThrow(TypeError);
    expect(loop.hidden).toBe(false);
    expect(() => loop.alpha(Number.NaN)).toThrow(TypeError);
    expect(() => loop.owed(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(loop.advance(150)).toBe(3);
    loop.setHidden(true, 150);
    expect(() => loop.setHidden(false, Number.NaN)).toThrow(TypeError);
    expect(loop.hidden).toBe(true);
    loop.setHidden(false, 1000);
    expect(loop.advance(1000 + 50)).toBe(3); // 9 ticks by 150 ms, then 50 ms more: none of the hidden time
    expect(loop.ticks).toBe(12);
  });
});
