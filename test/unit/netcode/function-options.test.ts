import { ErrorSmoother, InterpolationBuffer, LagHistory, Predictor } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

/** Options as plain JavaScript (or JSON-fed config) might pass them, past the types. */
const loose = (options: object) => options as never;

const fn = () => 0;

describe('netcode constructors refuse function options that are not functions', () => {
  it.each([
    ['step', { initial: {}, step: 'step', clone: fn, distance: fn }],
    ['clone', { initial: {}, step: fn, clone: undefined, distance: fn }],
    ['distance', { initial: {}, step: fn, clone: fn, distance: 5 }],
  ])('Predictor: %s', (name, options) => {
    expect(() => new Predictor(loose(options))).toThrow(
      new TypeError(`${name} must be a function, got ${typeof options[name as keyof typeof options]}`),
    );
  });

  it.each([
    ['difference', { difference: null, apply: fn }],
    ['apply', { difference: fn, apply: {} }],
    ['magnitude', { difference: fn, apply: fn, magnitude: 'euclid' }],
  ])('ErrorSmoother: %s', (name, options) => {
    expect(() => new ErrorSmoother(loose(options))).toThrow(TypeError);
    expect(() => new ErrorSmoother(loose(options))).toThrow(`${name} must be a function`);
  });

  it.each([
    ['lerp', { lerp: undefined }],
    ['extrapolate', { lerp: fn, extrapolate: true }],
  ])('InterpolationBuffer: %s', (name, options) => {
    expect(() => new InterpolationBuffer(loose(options))).toThrow(TypeError);
    expect(() => new InterpolationBuffer(loose(options))).toThrow(`${name} must be a function`);
  });

  it('LagHistory: interpolate', () => {
    expect(() => new LagHistory(loose({ interpolate: 'linear' }))).toThrow(TypeError);
    expect(() => new LagHistory(loose({ interpolate: 'linear' }))).toThrow('interpolate must be a function');
  });

  it('takes the optional ones left out, or undefined', () => {
    expect(
      () => new ErrorSmoother({ difference: () => [], apply: (state) => state, magnitude: undefined }),
    ).not.toThrow();
    expect(() => new InterpolationBuffer({ lerp: (a) => a, extrapolate: undefined })).not.toThrow();
    expect(() => new LagHistory({ interpolate: undefined })).not.toThrow();
  });
});
