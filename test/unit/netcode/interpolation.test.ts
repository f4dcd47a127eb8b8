import { AdaptiveDelay, InterpolationBuffer } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';
import { type NetworkConditions, PathModel } from '../../../src/transport/simulated/network-conditions.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';
import { EventQueue } from './event-queue.js';

/** A remote entity moving at a known speed: x(t) = SPEED * t, v = SPEED (units per ms). */
interface Body {
  x: number;
  v: number;
}
const SPEED = 0.01;
const truth = (time: number): Body => ({ x: SPEED * time, v: SPEED });
const lerp = (a: Body, b: Body, t: number): Body => ({ x: a.x + (b.x - a.x) * t, v: a.v + (b.v - a.v) * t });
const extrapolate = (body: Body, dtMs: number): Body => ({ x: body.x + body.v * dtMs, v: body.v });
const newBuffer = () => new InterpolationBuffer<Body>({ lerp, extrapolate });

describe('InterpolationBuffer', () => {
  it('interpolates between the samples around render time', () => {
    const buffer = newBuffer();
    expect(buffer.sample(0)).toBeUndefined();
    buffer.push(100, { x: 1, v: 0 });
    buffer.push(200, { x: 3, v: 0 });
    expect(buffer.sample(150)).toEqual({ state: { x: 2, v: 0 }, extrapolated: false, blending: false });
    expect(buffer.sample(200)?.state.x).toBe(3);
    expect(buffer.sample(50)?.state.x).toBe(1); // before everything: the oldest, not extrapolated back
  });

  it('tolerates out-of-order samples, ignores duplicates and stays bounded', () => {
    const buffer = new InterpolationBuffer<Body>({ lerp, capacity: 4 });
    expect(buffer.push(300, truth(300))).toBe(true);
    expect(buffer.push(100, truth(100))).toBe(true);
    expect(buffer.push(200, truth(200))).toBe(true);
    expect(buffer.push(200, { x: 99, v: 0 })).toBe(false);
    expect(buffer.sample(150)?.state.x).toBeCloseTo(1.5, 12);
    expect(buffer.sample(250)?.state.x).toBeCloseTo(2.5, 12);
    buffer.push(400, truth(400));
    buffer.push(500, truth(500));
    expect(buffer.size).toBe(4);
    expect(buffer.push(50, truth(50))).toBe(false); // older than everything kept, buffer full
    expect(buffer.newestTime).toBe(500);
  });

  it('extrapolates past the newest sample for at most maxExtrapolationMs, then holds, flagged', () => {
    const buffer = newBuffer();
    buffer.push(0, truth(0));
    buffer.push(100, truth(100));
    const ahead = buffer.sample(200)!;
    expect(ahead.extrapolated).toBe(true);
    expect(ahead.state.x).toBeCloseTo(2, 12);
    expect(buffer.sample(350)!.state.x).toBeCloseTo(3.5, 12);
    expect(buffer.sample(1000)!.state.x).toBeCloseTo(3.5, 12); // held at 100 + 250 ms
    expect(buffer.sample(1000)!.extrapolated).toBe(true);
  });

  it('holds the newest state past it when no extrapolate is given', () => {
    const buffer = new InterpolationBuffer<Body>({ lerp });
    buffer.push(0, truth(0));
    buffer.push(100, truth(100));
    expect(buffer.sample(180)).toEqual({ state: truth(100), extrapolated: true, blending: false });
  });

  it('converges back to the data without a jump when late data contradicts the extrapolation', () => {
    const worstStep = (convergeMs: number) => {
      const buffer = new InterpolationBuffer<Body>({ lerp, extrapolate, convergeMs });
      buffer.push(0, { x: 0, v: SPEED });
      buffer.push(100, { x: 1, v: SPEED });
      const frames: number[] = [];
      let arrived = false;
      for (let render = 90; render <= 400; render += 1000 / 60) {
        if (!arrived && render > 180) {
          // The entity had actually stopped at x = 1.2 at t = 120: the extrapolation overshot.
          buffer.push(120, { x: 1.2, v: 0 });
          buffer.push(220, { x: 1.2, v: 0 });
          buffer.push(320, { x: 1.2, v: 0 });
          buffer.push(420, { x: 1.2, v: 0 });
          arrived = true;
        }
        frames.push(buffer.sample(render)!.state.x);
      }
      expect(frames[frames.length - 1]).toBeCloseTo(1.2, 12);
      let worst = 0;
      for (let index = 1; index < frames.length; index++) {
        worst = Math.max(worst, Math.abs(frames[index]! - frames[index - 1]!));
      }
      return worst;
    };
    const perFrame = SPEED * (1000 / 60);
    // Blended: the largest step between frames stays near the entity's own motion per frame...
    expect(worstStep(100)).toBeLessThan(perFrame * 2);
    // ...where snapping back to the data would pop by the whole overshoot.
    expect(worstStep(0)).toBeGreaterThan(perFrame * 3);
  });

  it('refuses a non-finite render time with a TypeError, and draws as before after one', () => {
    const buffer = newBuffer();
    buffer.push(0, truth(0));
    expect(() => buffer.sample(Number.NaN)).toThrow('renderTime must be a finite number');
    buffer.push(100, truth(100));
    expect(buffer.sample(150)?.extrapolated).toBe(true);
    expect(() => buffer.sample(Number.NaN)).toThrow('renderTime must be a finite number');
    buffer.push(200, truth(200));
    buffer.push(300, truth(300));
    expect(buffer.sample(160)?.state.x).toBeCloseTo(truth(160).x, 12);
    // The blend out of the extrapolation ends after convergeMs, as it would have without the NaN.
    const later = buffer.sample(280)!;
    expect([later.state.x, later.extrapolated, later.blending]).toEqual([
      expect.closeTo(2.8, 12),
      false,
      false,
    ]);
  });
});

interface DelayRun {
  delays: number[];
  extrapolatedFrames: number;
  emptyFrames: number;
  frames: number;
  renderTimes: number[];
  adaptive: AdaptiveDelay;
}

/**
 * A server sends snapshots of a moving entity at `rateHz` through a seeded path; the client renders at
 * 60 Hz at AdaptiveDelay's render time and counts frames that needed extrapolation or had no data.
 */
function simulateSnapshots(options: {
  rateHz: number;
  durationMs: number;
  path: (t: number) => NetworkConditions;
  seed: number;
  warmupMs?: number;
  localOffset?: number;
}): DelayRun {
  const random = seededRandom(options.seed);
  const queue = new EventQueue();
  const adaptive = new AdaptiveDelay();
  const buffer = newBuffer();
  const run: DelayRun = {
    delays: [],
    extrapolatedFrames: 0,
    emptyFrames: 0,
    frames: 0,
    renderTimes: [],
    adaptive,
  };
  const interval = 1000 / options.rateHz;
  // The client's clock reads server time + localOffset: AdaptiveDelay needs no clock sync.
  const local = (serverTime: number) => serverTime + (options.localOffset ?? 0);
  let nextSnapshot = 0;
  let started = false;
  for (let frame = 0; frame * (1000 / 60) <= options.durationMs; frame++) {
    const now = frame * (1000 / 60);
    while (nextSnapshot <= now) {
      const sent = nextSnapshot;
      for (const delay of new PathModel(options.path(sent), random).fate()) {
        queue.at(sent + delay, () => {
          adaptive.onSnapshot(sent, local(sent + delay));
          buffer.push(sent, truth(sent));
          started = true;
        });
      }
      nextSnapshot += interval;
    }
    queue.runUntil(now);
    if (!started) continue;
    const renderTime = adaptive.renderTime(local(now))!;
    const sample = buffer.sample(renderTime);
    if (now < (options.warmupMs ?? 3000)) continue;
    run.frames++;
    run.renderTimes.push(renderTime);
    run.delays.push(now - renderTime);
    if (sample === undefined) run.emptyFrames++;
    else if (sample.extrapolated) run.extrapolatedFrames++;
  }
  return run;
}

describe('AdaptiveDelay', () => {
  it('at 30 Hz with +-20 ms jitter and 5% loss: delay <= 100 ms, <= 1% frames extrapolated, none empty', () => {
    for (const seed of [1, 2, 3]) {
      const run = simulateSnapshots({
        rateHz: 30,
        durationMs: 60_000,
        seed,
        localOffset: 12_345.6,
        path: () => ({ delayMs: 60, jitterMs: 20, lossRate: 0.05 }),
      });
      // Delay behind the newest data that could have arrived (send time + the path's 40 ms minimum). The
      // baseline is the fastest arrival of the last 64, a few ms above that minimum: hence the 5 ms.
      const minTransit = 40;
      expect(Math.max(...run.delays) - minTransit).toBeLessThanOrEqual(105);
      expect(run.adaptive.targetDelayMs).toBeLessThanOrEqual(100 + 1e-9);
      expect(run.extrapolatedFrames / run.frames).toBeLessThanOrEqual(0.01);
      expect(run.emptyFrames).toBe(0);
      expect(run.adaptive.intervalMs).toBeCloseTo(1000 / 30, 6);
      expect(run.adaptive.lossRate).toBeGreaterThan(0.02);
      expect(run.adaptive.lossRate).toBeLessThan(0.1);
    }
  });

  it('render time never runs backwards and its speed stays within 3% of real time', () => {
    const run = simulateSnapshots({
      rateHz: 30,
      durationMs: 30_000,
      seed: 7,
      warmupMs: 0,
      path: (t) => ({ delayMs: 60, jitterMs: t < 15_000 ? 5 : 40, lossRate: 0.02 }),
    });
    const frame = 1000 / 60;
    for (let index = 1; index < run.renderTimes.length; index++) {
      const advance = run.renderTimes[index]! - run.renderTimes[index - 1]!;
      expect(advance).toBeGreaterThan(0);
      expect(Math.abs(advance - frame)).toBeLessThanOrEqual(frame * 0.03 + 1e-9);
    }
  });

  it("at 20 Hz without jitter the delay is about one interval, at most Valve's 100 ms", () => {
    const run = simulateSnapshots({ rateHz: 20, durationMs: 20_000, seed: 1, path: () => ({ delayMs: 30 }) });
    expect(run.adaptive.targetDelayMs).toBeGreaterThanOrEqual(50 - 1e-9);
    expect(run.adaptive.targetDelayMs).toBeLessThanOrEqual(100);
    expect(Math.max(...run.delays.slice(-60)) - 30).toBeLessThanOrEqual(60);
    expect(run.extrapolatedFrames).toBe(0);
  });

  it('adapts up quickly when jitter rises and back down slowly', () => {
    const delayAt = (jitterUntil: number, seconds: number) => {
      const run = simulateSnapshots({
        rateHz: 30,
        durationMs: seconds * 1000,
        seed: 11,
        warmupMs: 0,
        path: (t) => ({ delayMs: 60, jitterMs: t >= 20_000 && t < jitterUntil ? 30 : 2 }),
      });
      return run.adaptive.targetDelayMs;
    };
    const calm = delayAt(0, 20);
    const rising = delayAt(40_000, 22);
    const high = delayAt(40_000, 40);
    const justCalmed = delayAt(40_000, 41);
    const calmedLong = delayAt(40_000, 60);
    expect(calm).toBeLessThan(45);
    expect(rising).toBeGreaterThan(calm + 30); // within 2 s of the jitter rising
    expect(high).toBeGreaterThan(80);
    expect(justCalmed).toBeGreaterThan(high - 15); // a second later: barely down
    expect(calmedLong).toBeLessThan(calm + 5); // 20 s later: back
  });

  it('follows a server that lowers the rate within a few numbered snapshots, and counts only missing numbers as lost', () => {
    const adaptive = new AdaptiveDelay();
    let seq = 65_530; // wraps on the way
    let time = 0;
    const arrive = (intervalMs: number, lost = 0) => {
      time += intervalMs * (lost + 1);
      seq = (seq + lost + 1) % 65_536;
      adaptive.onSnapshot(time, time + 40, seq);
    };
    for (let n = 0; n < 90; n++) arrive(1000 / 30);
    expect(adaptive.intervalMs).toBeCloseTo(1000 / 30, 6);
    // The server goes down to 10 Hz: longer intervals, none lost.
    for (let n = 0; n < 6; n++) arrive(100);
    expect(adaptive.intervalMs).toBeCloseTo(100, 6);
    expect(adaptive.lossRate).toBeLessThan(0.001);
    expect(adaptive.targetDelayMs).toBeGreaterThanOrEqual(100);
    // Two numbers missing: two lost, and the interval across the gap is still 100 ms.
    arrive(100, 2);
    expect(adaptive.lossRate).toBeGreaterThan(0.02);
    expect(adaptive.intervalMs).toBeCloseTo(100, 6);
  });

  /** 200 snapshots at 20 Hz from server time 100 s, 50 ms in transit; `arrive` sends the next ones. */
  const steadyAt100s = () => {
    const adaptive = new AdaptiveDelay();
    let local = 0;
    const arrive = (serverTime: number, seq: number, afterMs = 50) => {
      local += afterMs;
      adaptive.onSnapshot(serverTime, local, seq);
      return adaptive.renderTime(local)!;
    };
    for (let n = 0; n < 200; n++) arrive(100_000 + n * 50, n);
    return { adaptive, arrive };
  };

  it("follows the server's time back when it is reset, within two snapshots", () => {
    const { adaptive, arrive } = steadyAt100s();
    const steady = adaptive.targetDelayMs;
    arrive(0, 200);
    const rendered = arrive(50, 201);
    expect(50 - rendered).toBeGreaterThan(0);
    expect(50 - rendered).toBeLessThanOrEqual(steady + 1);
    expect(adaptive.jitterMs).toBeLessThan(1);
    expect(adaptive.targetDelayMs).toBeCloseTo(steady, 0);
  });

  it('ignores a snapshot reordered by seconds: not a reset, and not jitter', () => {
    const { adaptive, arrive } = steadyAt100s();
    arrive(95_000, 100, 20);
    expect(adaptive.jitterMs).toBeLessThan(1);
    const rendered = arrive(100_000 + 200 * 50, 200, 30);
    expect(100_000 + 200 * 50 - rendered).toBeCloseTo(adaptive.targetDelayMs, 0);
  });

  it('refuses a non-finite local time with a TypeError, and its render clock runs on after one', () => {
    const adaptive = new AdaptiveDelay();
    for (let n = 0; n < 10; n++) adaptive.onSnapshot(n * 50, n * 50 + 40);
    const frame = 1000 / 60;
    const before = adaptive.renderTime(500)!;
    expect(() => adaptive.renderTime(Number.NaN)).toThrow('localNow must be a finite number');
    const after = adaptive.renderTime(500 + frame)!;
    expect(Math.abs(after - before - frame)).toBeLessThanOrEqual(frame * 0.03 + 1e-9);
  });

  it('without numbers, takes a gap of whole intervals for loss (the interval stays)', () => {
    const adaptive = new AdaptiveDelay();
    let time = 0;
    const arrive = (intervalMs: number) => {
      time += intervalMs;
      adaptive.onSnapshot(time, time + 40);
    };
    for (let n = 0; n < 90; n++) arrive(1000 / 30);
    for (let n = 0; n < 30; n++) arrive(100);
    expect(adaptive.intervalMs).toBeCloseTo(1000 / 30, 6);
    expect(adaptive.lossRate).toBeGreaterThan(0.3);
  });
});
