import {
  FixedStepLoop,
  InputBuffer,
  InputHistory,
  leadTicks,
  TickRateController,
} from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';
import { type NetworkConditions, PathModel } from '../../../src/transport/simulated/network-conditions.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';
import { EventQueue } from './event-queue.js';

interface Report {
  at: number;
  margin: number;
}

/**
 * A client and a server 60 Hz simulation joined by a simulated path whose conditions may change with
 * time: the client records one input per tick and sends its unacked inputs every tick; the server
 * consumes one per tick and reports its margin (and ack) every third tick; the client steers its tick
 * rate with a TickRateController.
 */
function simulate(options: {
  durationMs: number;
  up: (t: number) => NetworkConditions;
  down: (t: number) => NetworkConditions;
  seed: number;
}) {
  const random = seededRandom(options.seed);
  const queue = new EventQueue();
  const server = new InputBuffer<number>();
  const history = new InputHistory<number>();
  const loop = new FixedStepLoop();
  const controller = new TickRateController();
  const tickMs = 1000 / 60;
  const reports: Report[] = [];
  const missedAt: number[] = [];
  const staleAt: number[] = [];
  const scales: number[] = [];
  let serverTick = 0;
  let clientTick: number | undefined;

  for (let t = 0; t <= options.durationMs; t++) {
    queue.runUntil(t);
    while (serverTick * tickMs <= t) {
      const missedBefore = server.missed;
      server.take(serverTick);
      if (clientTick !== undefined && server.missed > missedBefore) missedAt.push(t);
      const margin = server.margin;
      const ack = server.lastConsumedTick;
      if (serverTick % 3 === 0 && margin !== undefined && ack !== undefined) {
        reports.push({ at: t, margin });
        for (const delay of new PathModel(options.down(t), random).fate()) {
          queue.at(t + delay, () => {
            controller.onMarginReport(margin, t + delay);
            history.ack(ack);
          });
        }
      }
      serverTick++;
    }
    if (clientTick === undefined) {
      if (t < 200) continue;
      // The client starts ahead by the one-way trip plus 2 ticks (from a measured RTT of ~80 ms).
      clientTick = serverTick + leadTicks(80, 60, 2);
      loop.advance(t);
      continue;
    }
    loop.setRateScale(controller.rateScale(t), t);
    scales.push(loop.rateScale);
    const run = loop.advance(t);
    for (let n = 0; n < run; n++) history.record(clientTick++, clientTick);
    const packet = history.packet();
    if (run > 0 && packet !== undefined) {
      for (const delay of new PathModel(options.up(t), random).fate()) {
        queue.at(t + delay, () => {
          const staleBefore = server.rejected.stale;
          server.receive(packet, serverTick);
          if (server.rejected.stale > staleBefore) staleAt.push(t + delay);
        });
      }
    }
  }
  return { server, reports, missedAt, staleAt, scales };
}

const steady = (delayMs: number, jitterMs = 8): NetworkConditions => ({ delayMs, jitterMs, lossRate: 0.01 });

describe('TickRateController', () => {
  it('is 1 inside the band, nudges outside it, bounded, and 1 again when reports stop', () => {
    const controller = new TickRateController();
    expect(controller.rateScale(0)).toBe(1);
    controller.onMarginReport(1, 0);
    expect(controller.rateScale(0)).toBe(1);
    controller.onMarginReport(2, 0);
    expect(controller.rateScale(0)).toBe(1);
    controller.onMarginReport(0, 0);
    expect(controller.rateScale(0)).toBeCloseTo(1.01, 10);
    controller.onMarginReport(4, 0);
    expect(controller.rateScale(0)).toBeCloseTo(0.98, 10);
    controller.onMarginReport(-20, 0);
    expect(controller.rateScale(0)).toBeCloseTo(1.03, 10);
    controller.onMarginReport(40, 0);
    expect(controller.rateScale(0)).toBeCloseTo(0.97, 10);
    expect(controller.rateScale(1499)).toBeCloseTo(0.97, 10);
    expect(controller.rateScale(1501)).toBe(1);
  });

  it('refuses a report at a non-finite time, which would never go stale', () => {
    const controller = new TickRateController();
    expect(() => controller.onMarginReport(-3, Number.NaN)).toThrow('nowMs must be a finite number');
    expect(controller.margin).toBeUndefined();
    controller.onMarginReport(-3, 0);
    expect(controller.rateScale(10_000)).toBe(1);
  });

  it('refuses a rate asked for at a non-finite time, with or without a report', () => {
    const controller = new TickRateController();
    // With no report it answered 1; with one, NaN never went stale, and the old report steered for ever.
    expect(() => controller.rateScale(Number.NaN)).toThrow('nowMs must be a finite number');
    controller.onMarginReport(-3, 0);
    for (const time of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => controller.rateScale(time)).toThrow(TypeError);
    }
    expect(controller.rateScale(10_000)).toBe(1);
  });

  it('computes the starting lead from the RTT', () => {
    expect(leadTicks(0, 60)).toBe(2);
    expect(leadTicks(100, 60)).toBe(5); // 50 ms one way = 3 ticks, + 2
    expect(leadTicks(100, 20, 1)).toBe(2);
  });

  it('refuses a lead margin or a margin band that is not a finite number, rather than steering by it', () => {
    // A NaN lead placed the client's tick at NaN; a negative one places it late on purpose.
    for (const margin of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(() => leadTicks(100, 60, margin)).toThrow(
        `margin must be a non-negative finite number, got ${margin}`,
      );
    }
    // An infinite band edge is a band with no edge there: a late client was never sped up.
    expect(() => new TickRateController({ minMargin: Number.NEGATIVE_INFINITY })).toThrow(
      'minMargin must be a finite number',
    );
    expect(() => new TickRateController({ maxMargin: Number.POSITIVE_INFINITY })).toThrow(
      'maxMargin must be a finite number',
    );
    expect(() => new TickRateController({ minMargin: Number.NaN })).toThrow(
      'minMargin must be a finite number',
    );
  });

  it('settles the margin at 1-2 ticks and keeps it there when the path changes (asymmetric) mid-run', () => {
    for (const seed of [1, 2, 3]) {
      const { server, reports, missedAt, staleAt, scales } = simulate({
        durationMs: 60_000,
        seed,
        // Uplink: 40 ms, then 90 ms from 20 s (inputs suddenly 3 ticks later), then 20 ms from 40 s.
        up: (t) => steady(t < 20_000 ? 40 : t < 40_000 ? 90 : 20),
        // Downlink: 40 ms, then 120 ms from 40 s: the reports themselves come later.
        down: (t) => steady(t < 40_000 ? 40 : 120),
      });
      for (const [from, to] of [
        [10_000, 20_000],
        [30_000, 40_000],
        [50_000, 60_000],
      ] as const) {
        const margins = reports.filter((report) => report.at >= from && report.at < to).map((r) => r.margin);
        const inBand = margins.filter((margin) => margin >= 1 && margin <= 2).length;
        // Loss and jitter make brief excursions of a tick; most of the time the margin is 1-2.
        expect(inBand / margins.length).toBeGreaterThan(0.8);
        expect(Math.min(...margins)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...margins)).toBeLessThanOrEqual(3);
        expect(missedAt.filter((t) => t >= from && t < to)).toEqual([]);
        // No oscillation: settled, the rate is 1 nearly all the time and never far from it.
        const settled = scales.slice(from - 200, to - 200);
        expect(settled.filter((scale) => scale === 1).length / settled.length).toBeGreaterThan(0.8);
        expect(settled.every((scale) => Math.abs(scale - 1) <= 0.011)).toBe(true);
      }
      // Only the sudden uplink delay increase makes inputs late (3 ticks' worth), and only for a moment.
      expect(staleAt.length).toBeGreaterThan(0);
      expect(staleAt.every((t) => t >= 20_000 && t < 21_000)).toBe(true);
      expect(missedAt.every((t) => t < 1000 || (t >= 20_000 && t < 22_000))).toBe(true);
      expect(server.rejected.future).toBe(0);
      expect(server.rejected.rate).toBe(0);
    }
  });

  it('follows a gradually rising delay with nothing rejected and no input missed', () => {
    const { server, reports, missedAt } = simulate({
      durationMs: 60_000,
      seed: 4,
      // 30 ms to 90 ms over 40 s on the uplink, jitter 10 ms.
      up: (t) => ({ delayMs: 30 + Math.min(60, Math.max(0, (t - 10_000) * 0.0015)), jitterMs: 10 }),
      down: () => ({ delayMs: 50, jitterMs: 10 }),
    });
    expect(server.rejected).toEqual({ stale: 0, future: 0, rate: 0 });
    // Only ticks before the client's first inputs could arrive.
    expect(missedAt.filter((t) => t >= 1000)).toEqual([]);
    const late = reports.filter((report) => report.at >= 5_000).map((report) => report.margin);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late)).toBeLessThanOrEqual(3);
  });
});
