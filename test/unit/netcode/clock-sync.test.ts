import { ClockSync, type ClockSyncOptions } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';
import { type NetworkConditions, PathModel } from '../../../src/transport/simulated/network-conditions.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';
import { EventQueue } from './event-queue.js';

interface Run {
  /** (real time, applied offset, true offset, synced) every 10 ms. */
  trace: { t: number; offset: number; truth: number; synced: boolean }[];
  sync: ClockSync;
}

/**
 * Real time t (ms) is the local clock; the remote clock reads t * (1 + skew) + offset, with `remoteStep`
 * added to it from `stepAt` on. Probes go up and answers come down through seeded PathModels.
 */
function simulate(options: {
  up: NetworkConditions;
  down: NetworkConditions;
  offset: number;
  skewPpm?: number;
  durationMs: number;
  seed?: number;
  remoteStep?: { at: number; by: number };
  sync?: ClockSyncOptions;
}): Run {
  const random = seededRandom(options.seed ?? 1);
  const up = new PathModel(options.up, random);
  const down = new PathModel(options.down, random);
  const skew = (options.skewPpm ?? 0) * 1e-6;
  const remote = (t: number) =>
    t * (1 + skew) +
    options.offset +
    (options.remoteStep && t >= options.remoteStep.at ? options.remoteStep.by : 0);
  const sync = new ClockSync(options.sync);
  const queue = new EventQueue();
  const trace: Run['trace'] = [];
  for (let t = 0; t <= options.durationMs; t += 10) {
    queue.runUntil(t);
    if (sync.probeDue(t)) {
      sync.probeSent(t);
      const t0 = t;
      for (const upDelay of up.fate()) {
        const arrive = t + upDelay;
        queue.at(arrive, () => {
          const t1 = remote(arrive);
          const t2 = remote(arrive + 0.5);
          for (const downDelay of down.fate()) {
            const back = arrive + 0.5 + downDelay;
            queue.at(back, () => sync.onSample(t0, t1, t2, back));
          }
        });
      }
    }
    sync.remoteNow(t);
    trace.push({ t, offset: sync.offsetMs, truth: remote(t) - t, synced: sync.synced });
  }
  return { trace, sync };
}

/** Queueing only adds delay: jitter on top of a minimum, not around it. */
const queueing = (minMs: number, spreadMs: number): NetworkConditions => ({
  delayMs: minMs + spreadMs / 2,
  jitterMs: spreadMs / 2,
});

describe('ClockSync', () => {
  it('probes in a burst of 5, 100 ms apart, then every 3 s once synced', () => {
    const sync = new ClockSync();
    const sent: number[] = [];
    for (let t = 0; t <= 10_000; t += 10) {
      if (!sync.probeDue(t)) continue;
      sync.probeSent(t);
      sent.push(t);
      sync.onSample(t, t + 1000 + 20, t + 1000 + 20, t + 40);
    }
    expect(sent).toEqual([0, 100, 200, 300, 400, 3400, 6400, 9400]);
  });

  it('keeps probing at the burst rate while answers are lost', () => {
    const sync = new ClockSync();
    const sent: number[] = [];
    for (let t = 0; t <= 1000; t += 10) {
      if (!sync.probeDue(t)) continue;
      sync.probeSent(t);
      sent.push(t);
    }
    expect(sent.length).toBe(11);
    expect(sync.synced).toBe(false);
  });

  it('converges within a few ms of the true offset under asymmetric jitter and 300 ppm skew', () => {
    const errors = (sync: ClockSyncOptions) => {
      const all: number[] = [];
      for (const seed of [1, 2, 3, 4]) {
        const { trace, sync: clock } = simulate({
          up: queueing(40, 20),
          down: queueing(40, 10),
          offset: 123_456,
          skewPpm: 300,
          durationMs: 120_000,
          seed,
          sync,
        });
        expect(clock.rttMs).toBeGreaterThanOrEqual(80);
        expect(clock.rttMs).toBeLessThan(95);
        for (const point of trace) if (point.t >= 20_000) all.push(Math.abs(point.offset - point.truth));
      }
      return all.sort((a, b) => a - b);
    };
    const quantile = (sorted: number[], q: number) => sorted[Math.floor((sorted.length - 1) * q)]!;
    const measured = errors({});
    expect(quantile(measured, 0.5)).toBeLessThan(2.5);
    expect(quantile(measured, 0.95)).toBeLessThan(5);
    expect(quantile(measured, 1)).toBeLessThan(10);
    // The drift measurement is what keeps skewed clocks close: without it old samples age visibly.
    const unskewed = errors({ maxDriftPpm: 0 });
    expect(quantile(unskewed, 0.5)).toBeGreaterThan(4);
  });

  it("measures the clocks' rate difference", () => {
    const { sync } = simulate({
      up: queueing(40, 20),
      down: queueing(40, 10),
      offset: 0,
      skewPpm: -300,
      durationMs: 180_000,
      seed: 5,
    });
    expect(sync.drift * 1e6).toBeGreaterThan(-400);
    expect(sync.drift * 1e6).toBeLessThan(-200);
  });

  it('is off by half a fixed path asymmetry, which NTP cannot see, and no more', () => {
    const { trace } = simulate({
      up: queueing(60, 10),
      down: queueing(20, 10),
      offset: -5000,
      durationMs: 30_000,
    });
    const last = trace[trace.length - 1]!;
    // Uplink 40 ms slower than downlink: the remote clock looks 20 ms further ahead than it is.
    expect(last.offset - last.truth).toBeGreaterThan(15);
    expect(last.offset - last.truth).toBeLessThan(25);
  });

  it('slews the applied offset at most 1 ms per 100 ms once synced (the opening burst over)', () => {
    const { trace } = simulate({
      up: queueing(30, 80),
      down: queueing(30, 80),
      offset: 777,
      skewPpm: -400,
      durationMs: 60_000,
      seed: 9,
    });
    // During the opening burst the offset steps to each reply with a lower RTT (clock-sync-burst.test.ts).
    const firstSynced = trace.findIndex((point) => point.synced);
    expect(firstSynced).toBeGreaterThan(0);
    expect(trace[firstSynced]!.offset).not.toBe(0);
    let moved = 0;
    for (let index = firstSynced + 1; index < trace.length; index++) {
      const step = Math.abs(trace[index]!.offset - trace[index - 1]!.offset);
      expect(step).toBeLessThanOrEqual(0.1 + 1e-9); // 10 ms of local time per trace point
      moved += step;
    }
    expect(moved).toBeGreaterThan(0);
  });

  // Seeds 6 and 7 step the offset back inside the opening burst; 1 does not.
  it.each([1, 6, 7])('never lets remote time run backwards once synced (seed %i)', (seed) => {
    const { trace } = simulate({
      up: queueing(20, 100),
      down: queueing(20, 5),
      offset: 50,
      durationMs: 20_000,
      seed,
    });
    // Before it is synced, the opening burst's better replies may step the offset either way: a game waits
    // for `synced` before it reads remote time (docs/netcode.md).
    const firstSynced = trace.findIndex((point) => point.synced);
    expect(firstSynced).toBeGreaterThan(0);
    for (let index = firstSynced + 1; index < trace.length; index++) {
      const before = trace[index - 1]!;
      const after = trace[index]!;
      expect(after.t + after.offset).toBeGreaterThan(before.t + before.offset);
    }
  });

  it('keeps remote time from running backwards when a sample is stamped before the last remoteNow', () => {
    const sync = new ClockSync();
    sync.onSample(0, 1_010, 1_010, 20); // offset 1_000, applied at once
    sync.onSample(100, 610, 610, 120); // offset 500: slewed toward, at most 1 ms per 100 ms
    const at = sync.remoteNow(1_000);
    // A reply read in the same frame, stamped when it arrived, a little before that frame's time.
    sync.onSample(900, 1_410, 1_410, 990);
    expect(sync.remoteNow(1_000)).toBeGreaterThanOrEqual(at);
    expect(sync.remoteNow(1_000)).toBeGreaterThanOrEqual(at);
  });

  it('jumps, rather than slews, when the remote clock is reset by more than 1 s', () => {
    const { trace } = simulate({
      up: queueing(30, 10),
      down: queueing(30, 10),
      offset: 0,
      durationMs: 30_000,
      remoteStep: { at: 10_000, by: 60_000 },
    });
    const at = (t: number) => trace.find((point) => point.t === t)!;
    expect(Math.abs(at(9_990).offset)).toBeLessThan(5);
    // The next probe after the reset (within one 3 s interval) re-bases the clock at once.
    expect(Math.abs(at(13_500).offset - 60_000)).toBeLessThan(5);
  });

  it('restarts on a new connection keeping remote time running, or on a rough estimate when it must', () => {
    const sync = new ClockSync();
    sync.restart(0, 1_000); // nothing applied yet: a rough estimate is taken at once
    expect(sync.remoteNow(10)).toBe(1_010);
    expect(sync.targetOffsetMs).toBeUndefined();
    expect(sync.onSample(80, 1_100, 1_100, 100)).toBe(true); // offset 1_010, rtt 20
    expect(sync.offsetMs).toBe(1_000); // slewed to, not jumped to
    expect(sync.remoteNow(600) - 600).toBeCloseTo(1_005, 9);
    // A rough estimate within a second of the applied offset is worse than it: ignored, samples forgotten.
    sync.restart(700, 1_020);
    expect(sync.offsetMs).toBeCloseTo(1_006, 9);
    expect(sync.rttMs).toBeUndefined();
    expect(sync.remoteNow(800) - 800).toBeCloseTo(1_006, 9); // no target: the offset holds
    sync.restart(900); // no estimate at all: likewise
    expect(sync.offsetMs).toBeCloseTo(1_006, 9);
    sync.restart(1_000, 6_000); // over a second away: the remote clock was reset
    expect(sync.offsetMs).toBe(6_000);
    sync.reset();
    sync.restart(1_100);
    expect(sync.offsetMs).toBe(0);
    sync.onSample(1_100, 3_120, 3_120, 1_140); // nothing applied: the first sample is
    expect(sync.offsetMs).toBe(2_000);
  });

  it('refuses a non-finite time or rough offset with a TypeError, which would stop it for good', () => {
    const sync = new ClockSync();
    expect(() => sync.restart(0, Number.NaN)).toThrow('roughOffset must be a finite number');
    expect(() => sync.restart(Number.NaN, 5)).toThrow('now must be a finite number');
    expect(sync.onSample(0, 1_010, 1_010, 20)).toBe(true);
    expect(sync.remoteNow(20)).toBe(1_020);
    expect(() => sync.probeSent(Number.NaN)).toThrow('now must be a finite number');
    expect(sync.probeDue(20)).toBe(true); // still probing
  });

  it('refuses a non-finite time in remoteNow or probeDue with a TypeError, and keeps slewing after', () => {
    const sync = new ClockSync();
    sync.onSample(0, 1_010, 1_010, 20); // offset 1_000, applied at once
    sync.onSample(100, 610, 610, 120); // offset 500: the applied offset slews toward the estimate
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => sync.remoteNow(bad)).toThrow('localNow must be a finite number');
      expect(() => sync.probeDue(bad)).toThrow('now must be a finite number');
    }
    // An infinite time kept as "the latest time passed in" would stop the slew for good.
    const before = sync.offsetMs;
    sync.remoteNow(1_120);
    expect(sync.offsetMs).toBeCloseTo(before - 10, 9);
  });

  it('ignores impossible samples', () => {
    const sync = new ClockSync();
    expect(sync.onSample(100, 50, 40, 200)).toBe(false);
    expect(sync.onSample(100, 0, 0, 90)).toBe(false);
    expect(sync.onSample(Number.NaN, 0, 0, 90)).toBe(false);
    expect(sync.rttMs).toBeUndefined();
  });

  it('ignores a sample whose offset is not finite, though each time is (a server stamping 1e308)', () => {
    const sync = new ClockSync({ minSamples: 1, bestOf: 1 });
    expect(sync.onSample(0, 1_010, 1_010, 20)).toBe(true);
    // t1 - t0 and t2 - t3 are finite, their sum is not: the offset would be Infinity.
    expect(sync.onSample(100, 1.7e308, 1.7e308, 120)).toBe(false);
    expect(sync.remoteNow(120)).toBe(1_120);
    expect(sync.targetOffsetMs).toBe(1_000);
  });

  it('rejects bad options', () => {
    expect(() => new ClockSync({ maxSlewRate: 0 })).toThrow(TypeError);
    expect(() => new ClockSync({ minSamples: 20, windowSize: 5 })).toThrow(TypeError);
  });
});
