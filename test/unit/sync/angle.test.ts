import { angle, SchemaError } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { compile, snap, writeAndRead } from './field-harness.js';

const TURN = 2 * Math.PI;

describe('angle()', () => {
  const field = compile(angle({ bits: 10 }), 'vehicle.heading');
  const step = TURN / 1024;

  it('takes exactly its bits', () => {
    expect(field.bits).toBe(10);
    expect(writeAndRead(field, field.quantize(1)).bits).toBe(10);
    expect(compile(angle({ bits: 1 })).bits).toBe(1);
    expect(compile(angle({ bits: 32 })).bits).toBe(32);
  });

  it('decodes every code into [-π, π)', () => {
    for (let code = 0; code < 1024; code++) {
      const radians = field.dequantize(code);
      expect(radians).toBeGreaterThanOrEqual(-Math.PI);
      expect(radians).toBeLessThan(Math.PI);
      expect(field.quantize(radians)).toBe(code);
    }
  });

  it('wraps π to -π and keeps small angles of either sign as they are', () => {
    expect(snap(field, Math.PI)).toBe(-Math.PI);
    expect(snap(field, -Math.PI)).toBe(-Math.PI);
    expect(snap(field, 0)).toBe(0);
    expect(snap(field, 10 * step)).toBe(10 * step);
    expect(snap(field, -10 * step)).toBe(-10 * step);
    expect(Object.is(snap(field, -0.1 * step), 0)).toBe(true);
  });

  it('wraps any number of turns, either way', () => {
    expect(snap(field, TURN)).toBe(0);
    expect(snap(field, (3 * Math.PI) / 2)).toBe(-Math.PI / 2);
    expect(snap(field, (-3 * Math.PI) / 2)).toBe(Math.PI / 2);
    expect(snap(field, 1000 * TURN + 100 * step)).toBeCloseTo(100 * step, 12);
    expect(snap(field, -1000 * TURN - 100 * step)).toBeCloseTo(-100 * step, 12);
    expect(field.quantize(1e300)).toBeGreaterThanOrEqual(0);
  });

  it('rounds to the nearest step, halves up', () => {
    expect(snap(field, 4.49 * step)).toBe(4 * step);
    expect(snap(field, 4.5 * step)).toBe(5 * step);
    expect(snap(field, -4.5 * step)).toBe(-4 * step);
  });

  it('rejects angles with no direction, naming the field', () => {
    expect(() => field.quantize(Number.NaN)).toThrow(
      new RangeError('vehicle.heading: NaN cannot be quantized'),
    );
    expect(() => field.quantize(Number.POSITIVE_INFINITY)).toThrow(
      new RangeError('vehicle.heading: Infinity is not an angle'),
    );
    expect(() => field.quantize(Number.NEGATIVE_INFINITY)).toThrow(RangeError);
  });

  it('with one bit, holds 0 and -π', () => {
    const coarse = compile(angle({ bits: 1 }));
    expect(snap(coarse, 1)).toBe(0);
    expect(snap(coarse, 2)).toBe(-Math.PI);
    expect(snap(coarse, -2)).toBe(-Math.PI);
  });

  it.each([0, 33, 1.5, -1, Number.NaN])('rejects bits: %d', (bits) => {
    expect(() => compile(angle({ bits }))).toThrow(SchemaError);
    expect(() => compile(angle({ bits }))).toThrow(/^thing\.field: angle bits must be an integer in 1\.\.32/);
  });
});
