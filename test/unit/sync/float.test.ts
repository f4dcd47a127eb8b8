import { float, SchemaError } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { bitsOf, compile, snap, writeAndRead } from './field-harness.js';

describe('float()', () => {
  it.each([
    [-1000, 1000, 0.01, 18], // 200,001 values
    [0, 1, 1, 1],
    [0, 1, 0.5, 2],
    [0, 1023, 1, 10],
    [0, 1024, 1, 11],
    [0, 1, 0.001, 10],
    [-1, 1, 2 / (2 ** 32 - 1), 32],
  ])('float({min: %d, max: %d, precision: %d}) takes %d bits', (min, max, precision, bits) => {
    const field = compile(float({ min, max, precision }));
    expect(field.bits).toBe(bits);
    expect(Math.ceil(Math.log2((max - min) / precision + 1))).toBe(bits);
    expect(writeAndRead(field, field.quantize(max)).bits).toBe(bits);
  });

  it('represents min and max exactly when the range is a whole number of steps', () => {
    const field = compile(float({ min: -1000, max: 1000, precision: 0.01 }));
    expect(field.quantize(-1000)).toBe(0);
    expect(field.quantize(1000)).toBe(200_000);
    expect(snap(field, -1000)).toBe(-1000);
    expect(snap(field, 1000)).toBe(1000);
    expect(snap(field, 0)).toBe(0);
  });

  it('clamps out-of-range values, infinities included, to the ends', () => {
    const field = compile(float({ min: -10, max: 10, precision: 0.5 }));
    expect(snap(field, -10.2)).toBe(-10);
    expect(snap(field, 10.2)).toBe(10);
    expect(snap(field, -1e308)).toBe(-10);
    expect(snap(field, Number.POSITIVE_INFINITY)).toBe(10);
    expect(snap(field, Number.NEGATIVE_INFINITY)).toBe(-10);
  });

  it('rounds to the nearest step, halves up', () => {
    const field = compile(float({ min: 0, max: 10, precision: 0.5 }));
    expect(snap(field, 1.2499)).toBe(1);
    expect(snap(field, 1.25)).toBe(1.5);
    expect(snap(field, 1.7499)).toBe(1.5);
    expect(snap(field, 1.75)).toBe(2);
    const centimetres = compile(float({ min: -1000, max: 1000, precision: 0.01 }));
    expect(centimetres.quantize(1.23 + 0.00499)).toBe(centimetres.quantize(1.23));
    expect(centimetres.quantize(1.23 + 0.00501)).toBe(centimetres.quantize(1.23) + 1);
  });

  it('keeps every snapped value within half a step of the input, and snapping again changes nothing', () => {
    const field = compile(float({ min: -1000, max: 1000, precision: 0.01 }));
    for (let value = -999.997; value < 1000; value += 13.3711) {
      const snapped = snap(field, value);
      expect(Math.abs(snapped - value)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(snap(field, snapped)).toBe(snapped);
    }
  });

  it('ends the grid at the step nearest max when the range is not a whole number of steps', () => {
    const below = compile(float({ min: 0, max: 1, precision: 0.3 })); // 3.33 steps: top 0.9
    expect(below.quantize(1)).toBe(3);
    expect(below.quantize(50)).toBe(3);
    expect(snap(below, 1)).toBeCloseTo(0.9, 12);
    const above = compile(float({ min: 0, max: 1, precision: 0.4 })); // 2.5 steps: top 1.2
    expect(above.quantize(1)).toBe(3);
    expect(snap(above, 1)).toBeCloseTo(1.2, 12);
    expect(snap(above, snap(above, 1))).toBe(snap(above, 1));
  });

  it('rejects NaN naming the field', () => {
    const field = compile(float({ min: 0, max: 1, precision: 0.1 }), 'vehicle.x');
    expect(() => field.quantize(Number.NaN)).toThrow(new RangeError('vehicle.x: NaN cannot be quantized'));
    expect(() => field.quantize(undefined as unknown as number)).toThrow(TypeError);
  });

  it('reads every pattern as a grid point (truncated binary) and refuses to write one past the top', () => {
    const field = compile(float({ min: 0, max: 1, precision: 0.3 }), 'vehicle.x'); // codes 0..3 in 2 bits
    expect([0, 3].map((code) => writeAndRead(field, code).bits)).toEqual([2, 2]);
    const tight = compile(float({ min: 0, max: 2, precision: 0.5 }), 'vehicle.x'); // codes 0..4 in 3 bits
    expect([0, 2, 3, 4].map((code) => writeAndRead(tight, code).bits)).toEqual([2, 2, 3, 3]);
    for (let pattern = 0; pattern < 8; pattern++) {
      expect(tight.read(bitsOf((writer) => writer.writeBits(pattern, 3)))).toBeLessThanOrEqual(4);
    }
    expect(() => writeAndRead(tight, 5)).toThrow(RangeError);
  });

  it.each([
    [{ min: 1, max: 1, precision: 0.1 }, /thing\.field: float range is empty: min 1 must be below max 1/],
    [{ min: 2, max: 1, precision: 0.1 }, /float range is empty/],
    [{ min: 0, max: 1, precision: 0 }, /thing\.field: float precision must be above 0, got 0/],
    [{ min: 0, max: 1, precision: -0.1 }, /float precision must be above 0/],
    [{ min: 0, max: 1, precision: Number.NaN }, /float precision must be a finite number, got NaN/],
    [{ min: 0, max: Number.POSITIVE_INFINITY, precision: 1 }, /float max must be a finite number/],
    [{ min: 0, max: 1, precision: 3 }, /narrower than half its precision/],
    [{ min: 0, max: 1e6, precision: 1e-6 }, /needs more than 32 bits/],
    [{ min: 1e9, max: 1e9 + 1, precision: 1e-4 }, /too fine for float64 at magnitude/],
  ])('rejects the declaration %o', (options, message) => {
    expect(() => compile(float(options))).toThrow(SchemaError);
    expect(() => compile(float(options))).toThrow(message);
  });
});
