import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/index.js';
import { QualityMonitor, type QualityMonitorOptions } from '../../../../src/transport/index.js';

const clock = new ManualClock();
const make = (options: Partial<Record<keyof QualityMonitorOptions, unknown>>) => () =>
  new QualityMonitor({ clock, ...options } as QualityMonitorOptions);

describe('QualityMonitor options', () => {
  it('takes the defaults, and good values of each', () => {
    expect(make({})).not.toThrow();
    expect(
      make({
        recoverAfterMs: 0,
        lossMinDatagrams: 1,
        lossMaxReports: 1,
        rateWindowMs: 500,
        silentAfterMs: Number.POSITIVE_INFINITY,
        beatEveryMs: 250,
        thresholds: { fair: { rttMs: 0, jitterMs: 0, loss: 0 }, poor: { rttMs: 1, jitterMs: 1, loss: 1 } },
      }),
    ).not.toThrow();
  });

  // Each used to construct fine and then misbehave: a NaN window never graded, a fractional count of
  // datagrams or reports read loss from a window that never filled, a negative recovery showed a better
  // grade at once, a string compared as text.
  it.each([
    ['recoverAfterMs', Number.NaN],
    ['recoverAfterMs', -1],
    ['recoverAfterMs', Number.POSITIVE_INFINITY],
    ['lossMinDatagrams', 0],
    ['lossMinDatagrams', 2.5],
    ['lossMinDatagrams', Number.NaN],
    ['lossMaxReports', 0],
    ['lossMaxReports', 1.5],
    ['lossMaxReports', -3],
    ['rateWindowMs', 0],
    ['rateWindowMs', Number.NaN],
    ['rateWindowMs', Number.POSITIVE_INFINITY],
    ['silentAfterMs', 0],
    ['silentAfterMs', -5],
    ['silentAfterMs', Number.NaN],
    ['beatEveryMs', 0],
  ] as const)('refuses %s = %s with a RangeError naming it', (name, value) => {
    expect(make({ [name]: value })).toThrow(RangeError);
    expect(make({ [name]: value })).toThrow(new RegExp(`'${name}'.*got ${String(value)}`));
  });

  it.each([
    ['recoverAfterMs', '5000'],
    ['lossMinDatagrams', null],
    ['rateWindowMs', {}],
    ['silentAfterMs', true],
  ] as const)('refuses %s of the wrong type (%s) with a TypeError naming it', (name, value) => {
    expect(make({ [name]: value })).toThrow(TypeError);
    expect(make({ [name]: value })).toThrow(new RegExp(`'${name}'`));
  });

  it('refuses a clock that is none, and thresholds of the wrong shape or type, with a TypeError', () => {
    expect(() => new QualityMonitor({} as QualityMonitorOptions)).toThrow(TypeError);
    expect(() => new QualityMonitor({ clock: { now: 5 } } as unknown as QualityMonitorOptions)).toThrow(
      /'clock'/,
    );
    expect(make({ thresholds: null })).toThrow(TypeError);
    expect(make({ thresholds: { fair: { rttMs: 1, jitterMs: 1, loss: 0 } } })).toThrow(/thresholds.*poor/);
    const text = {
      fair: { rttMs: '100', jitterMs: 20, loss: 0.02 },
      poor: { rttMs: 250, jitterMs: 50, loss: 0.08 },
    };
    expect(make({ thresholds: text })).toThrow(TypeError);
    expect(make({ thresholds: text })).toThrow(/fair\.rttMs/);
  });

  it('refuses thresholds that are NaN or out of order with a RangeError', () => {
    const nan = {
      fair: { rttMs: Number.NaN, jitterMs: 20, loss: 0.02 },
      poor: { rttMs: 250, jitterMs: 50, loss: 0.08 },
    };
    expect(make({ thresholds: nan })).toThrow(RangeError);
    const order = {
      fair: { rttMs: 300, jitterMs: 20, loss: 0.02 },
      poor: { rttMs: 250, jitterMs: 50, loss: 0.08 },
    };
    expect(make({ thresholds: order })).toThrow(RangeError);
  });
});
