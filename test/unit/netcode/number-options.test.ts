import { AdaptiveDelay, ErrorSmoother, FixedStepLoop, InputBuffer, LagHistory } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

const smoother = (snapDistance: number) =>
  new ErrorSmoother<number[]>({
    difference: (seen, corrected) => [seen[0]! - corrected[0]!],
    apply: (s) => s,
    snapDistance,
  });

describe('netcode constructors say which value they refused, and that it must be finite', () => {
  it('names Infinity, which a caller means as "never", instead of calling it not a positive number', () => {
    // snapDistance: Infinity reads as "never snap"; "must be a positive number" told that caller nothing.
    expect(() => smoother(Number.POSITIVE_INFINITY)).toThrow(
      new TypeError('snapDistance must be a positive finite number, got Infinity'),
    );
    expect(() => new InputBuffer({ maxRepeatTicks: Number.POSITIVE_INFINITY })).toThrow(
      new TypeError('maxRepeatTicks must be a non-negative finite number, got Infinity'),
    );
  });

  it('names the value in every kind of number check', () => {
    expect(() => new AdaptiveDelay({ maxRateChange: 0 })).toThrow(
      new TypeError('maxRateChange must be a positive finite number, got 0'),
    );
    expect(() => new FixedStepLoop({ maxCatchUpTicks: 2.5 })).toThrow(
      new TypeError('maxCatchUpTicks must be a positive integer, got 2.5'),
    );
    expect(() => new LagHistory({ rttToleranceMs: -1 })).toThrow(
      new TypeError('rttToleranceMs must be a non-negative finite number, got -1'),
    );
  });

  it('still takes every finite value in range', () => {
    expect(smoother(1e9).onCorrection([100], [0])).toBe('smoothed');
    expect(() => new InputBuffer({ maxRepeatTicks: 0 })).not.toThrow();
  });
});
