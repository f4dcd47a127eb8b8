import { describe, expect, it } from 'vitest';
import { AdaptiveRate } from '../../../src/server/sync/adaptive-rate.js';
import type { DeviceClass, QualityGrade } from '../../../src/transport/index.js';

interface Quality {
  grade: QualityGrade;
  lossUp: number;
  lossDown: number;
  measuredGrade?: QualityGrade;
  silent?: boolean;
}

const clean: Quality = { grade: 'good', lossUp: 0, lossDown: 0 };

/** Runs the controller for `seconds`, updated four times a second as RoomSync does. */
function run(
  controller: AdaptiveRate,
  from: number,
  seconds: number,
  quality: Quality | ((t: number) => Quality),
  device: DeviceClass = 'normal',
  queued?: (t: number) => number,
) {
  let setting = controller.current;
  for (let t = from; t < from + seconds * 1000; t += 250) {
    const now = typeof quality === 'function' ? quality(t) : quality;
    setting = controller.update({ quality: now, device, ...(queued ? { queuedBytes: queued(t) } : {}) }, t);
  }
  return { setting, end: from + seconds * 1000 };
}

describe('AdaptiveRate', () => {
  it('converges down to the floor within seconds under heavy loss', () => {
    const controller = new AdaptiveRate(
      { minHz: 10, maxHz: 30, minBudgetBytes: 400, maxBudgetBytes: 1200 },
      0,
    );
    const { setting } = run(controller, 0, 4, { grade: 'fair', lossUp: 0.12, lossDown: 0.01 });
    // 30 * 0.7^4 ≈ 7.2: at the floor after four one-second back-offs
    expect(setting.rateHz).toBe(10);
    expect(setting.budgetBytes).toBe(400);
  });

  it('backs off once per interval, not once per update', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const { setting } = run(controller, 0, 1, { grade: 'fair', lossUp: 0.1, lossDown: 0 });
    expect(setting.rateHz).toBeCloseTo(21, 5);
  });

  it('recovers slowly: back to the ceiling after the link stays good, about 1 Hz a second', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const down = run(controller, 0, 5, { grade: 'poor', lossUp: 0.2, lossDown: 0.2 });
    expect(down.setting.rateHz).toBe(10);
    const early = run(controller, down.end, 5, clean);
    expect(early.setting.rateHz).toBeGreaterThan(14);
    expect(early.setting.rateHz).toBeLessThan(16);
    const late = run(controller, early.end, 20, clean);
    expect(late.setting.rateHz).toBe(30);
    expect(late.setting.budgetBytes).toBe(1200);
  });

  it('holds its rate while the link is fair without loss', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const down = run(controller, 0, 2, { grade: 'fair', lossUp: 0.15, lossDown: 0 });
    expect(down.setting.rateHz).toBeLessThan(30);
    const held = run(controller, down.end, 10, { grade: 'fair', lossUp: 0, lossDown: 0 });
    expect(held.setting.rateHz).toBeCloseTo(down.setting.rateHz, 5);
  });

  it('keeps its rate on light random loss, which sending less does not cure', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    // Lossy Wi-Fi: loss wanders between 1 and 4 %, the grade between good and fair, for a minute.
    const { setting } = run(controller, 0, 60, (t) => {
      const loss = 0.01 + 0.03 * Math.abs(Math.sin(t / 1_700));
      return { grade: 'fair', measuredGrade: loss >= 0.02 ? 'fair' : 'good', lossUp: loss, lossDown: loss };
    });
    expect(setting.rateHz).toBe(30);
  });

  it('holds its rate through an outage, and is at it again as soon as the link is back', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    run(controller, 0, 10, clean);
    // 4 s of nothing heard: the monitor's figures stay those from before; from 1 s it calls that a
    // silence (steady traffic) and grades poor.
    const outage = run(controller, 10_000, 4, (t) => {
      const silent = t - 10_000 >= 1_000;
      const grade: QualityGrade = silent ? 'poor' : 'good';
      return { ...clean, grade, measuredGrade: grade, silent };
    });
    expect(outage.setting.rateHz).toBe(30);
    // Back: the figures are good again; the indicator's grade stays poor for its hysteresis.
    const back = run(controller, outage.end, 6, {
      ...clean,
      grade: 'poor',
      measuredGrade: 'good',
      silent: false,
    });
    expect(back.setting.rateHz).toBe(30);
  });

  it('does not take a send queue that grows while the member is silent for congestion', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const silent = {
      ...clean,
      grade: 'poor' as QualityGrade,
      measuredGrade: 'poor' as QualityGrade,
      silent: true,
    };
    const { setting } = run(controller, 0, 4, silent, 'normal', (t) => 1_000 + t * 10);
    expect(setting.rateHz).toBe(30);
  });

  it('backs off on a poor link at once, without waiting for the indicator', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const { setting } = run(controller, 0, 1, { ...clean, grade: 'good', measuredGrade: 'poor' });
    expect(setting.rateHz).toBeCloseTo(21, 5);
  });

  it('backs off when the send queue keeps growing', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const { setting } = run(controller, 0, 3, clean, 'normal', (t) => 1_000 + t * 10);
    expect(setting.rateHz).toBeLessThan(15);
  });

  it('gives a hidden page 5 Hz and a saving device 10 Hz, and the link rate back when shown again', () => {
    const controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    expect(run(controller, 0, 1, clean, 'hidden').setting.rateHz).toBe(5);
    expect(run(controller, 1_000, 1, clean, 'saving').setting.rateHz).toBe(10);
    expect(run(controller, 2_000, 1, clean, 'low-end').setting.rateHz).toBe(15);
    // Being hidden is not congestion: the page comes back to the rate its link earned.
    expect(run(controller, 3_000, 1, clean, 'normal').setting.rateHz).toBe(30);
  });

  it('keeps a back-off through any sequence of new ceilings, even ones at or below the floor', () => {
    const poor: Quality = { grade: 'poor', lossUp: 0.2, lossDown: 0.2 };
    const fair: Quality = { grade: 'fair', lossUp: 0.05, lossDown: 0.05 };
    let controller = new AdaptiveRate({ minHz: 10, maxHz: 30, minBudgetBytes: 400, maxBudgetBytes: 1200 }, 0);
    const down = run(controller, 0, 6, poor);
    expect(down.setting).toEqual({ rateHz: 10, budgetBytes: 400 });
    // The app lowers the ceilings to the floor, below it, and back up (as RoomSync does: a new controller
    // taking over from the old).
    const ceilings = [
      [10, 400],
      [5, 200],
      [10, 400],
      [30, 1200],
      [60, 2400],
    ] as const;
    for (const [maxHz, maxBudgetBytes] of ceilings) {
      controller = new AdaptiveRate(
        { minHz: Math.min(10, maxHz), maxHz, minBudgetBytes: Math.min(400, maxBudgetBytes), maxBudgetBytes },
        down.end,
      ).continueFrom(controller);
      expect(controller.current.rateHz).toBe(Math.min(10, maxHz));
      expect(controller.current.budgetBytes).toBe(Math.min(400, maxBudgetBytes));
    }
    // Still fair (it holds): the member stays at its back-off.
    expect(run(controller, down.end, 2, fair).setting).toEqual({ rateHz: 10, budgetBytes: 400 });
  });

  it('climbs back at its own pace across new ceilings, and goes to a raised one if never backed off', () => {
    let controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, 0);
    const down = run(controller, 0, 6, { grade: 'poor', lossUp: 0.2, lossDown: 0.2 });
    // 5 s of a good link under a ceiling of 12 Hz: the member gets 12, its link earns 15.
    controller = new AdaptiveRate({ minHz: 10, maxHz: 12 }, down.end).continueFrom(controller);
    const good = run(controller, down.end, 5, clean);
    expect(good.setting.rateHz).toBe(12);
    controller = new AdaptiveRate({ minHz: 10, maxHz: 30 }, good.end).continueFrom(controller);
    expect(controller.current.rateHz).toBeCloseTo(15, 5);
    // Never backed off: a raised ceiling applies at once.
    const fresh = new AdaptiveRate({ minHz: 10, maxHz: 20 }, 0);
    run(fresh, 0, 2, clean);
    expect(new AdaptiveRate({ minHz: 10, maxHz: 30 }, 2_000).continueFrom(fresh).current.rateHz).toBe(30);
  });

  it('refuses a range that makes no sense', () => {
    expect(() => new AdaptiveRate({ minHz: 20, maxHz: 10 }, 0)).toThrow(RangeError);
    expect(() => new AdaptiveRate({ backoff: 1.5 }, 0)).toThrow(RangeError);
  });

  it.each([
    // NaN recovery made the rate NaN: the member was sent a snapshot at every flush.
    ['recoverHzPerSecond', Number.NaN],
    ['recoverHzPerSecond', -1],
    ['recoverBudgetPerSecond', Number.NaN],
    ['recoverBudgetPerSecond', Number.POSITIVE_INFINITY],
    ['lossBackoff', Number.NaN],
    ['lossBackoff', 0],
    ['backoffIntervalMs', Number.NaN],
    ['backoffIntervalMs', -1],
    // A rate of 0 is a period of Infinity, which sent at every flush too.
    ['hiddenHz', 0],
    ['hiddenHz', Number.NaN],
    ['savingHz', 0.5],
    ['lowEndHz', 500],
  ] as const)('refuses %s %s at once, naming it', (name, value) => {
    expect(() => new AdaptiveRate({ [name]: value }, 0)).toThrow(new RegExp(`adaptive rate: ${name}`));
  });

  it('takes the edges of what it accepts', () => {
    const edges = [
      { recoverHzPerSecond: 0, recoverBudgetPerSecond: 0 },
      { lossBackoff: 1, backoffIntervalMs: 0 },
      { backoffIntervalMs: Number.POSITIVE_INFINITY },
      { hiddenHz: 1, savingHz: 120, lowEndHz: 7.5 },
    ];
    for (const options of edges) expect(() => new AdaptiveRate(options, 0)).not.toThrow();
  });
});
