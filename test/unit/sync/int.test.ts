import { int, SchemaError } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { badFrame, bitsOf, compile, snap, writeAndRead } from './field-harness.js';

describe('int()', () => {
  it.each([
    [0, 1, 1],
    [-1, 0, 1],
    [0, 100, 7],
    [0, 255, 8],
    [0, 256, 9],
    [-128, 127, 8],
    [1_000_000, 1_000_003, 2],
    [0, 2 ** 32 - 1, 32],
  ])('int({min: %d, max: %d}) takes %d bits', (min, max, bits) => {
    const field = compile(int({ min, max }));
    expect(field.bits).toBe(bits);
    expect(writeAndRead(field, field.quantize(max)).bits).toBe(bits);
  });

  it('codes are offsets from min, and both ends round-trip', () => {
    const field = compile(int({ min: -10, max: 100 }));
    expect(field.quantize(-10)).toBe(0);
    expect(field.quantize(100)).toBe(110);
    for (const value of [-10, -1, 0, 1, 99, 100]) {
      const { code } = writeAndRead(field, field.quantize(value));
      expect(field.dequantize(code)).toBe(value);
    }
  });

  it('clamps values outside the range, infinities included', () => {
    const field = compile(int({ min: 0, max: 100 }));
    expect(snap(field, -5)).toBe(0);
    expect(snap(field, 101)).toBe(100);
    expect(snap(field, 1e300)).toBe(100);
    expect(snap(field, Number.POSITIVE_INFINITY)).toBe(100);
    expect(snap(field, Number.NEGATIVE_INFINITY)).toBe(0);
  });

  it('rounds fractions to the nearest integer, halves up', () => {
    const field = compile(int({ min: -10, max: 10 }));
    expect(snap(field, 2.4)).toBe(2);
    expect(snap(field, 2.5)).toBe(3);
    expect(snap(field, -2.5)).toBe(-2);
    expect(snap(field, -2.6)).toBe(-3);
    expect(Object.is(snap(field, -0.4), 0)).toBe(true);
  });

  it('rejects NaN and non-numbers naming the field', () => {
    const field = compile(int({ min: 0, max: 100 }), 'vehicle.hp');
    expect(() => field.quantize(Number.NaN)).toThrow(new RangeError('vehicle.hp: NaN cannot be quantized'));
    expect(() => field.quantize('7' as unknown as number)).toThrow(TypeError);
    expect(() => field.quantize('7' as unknown as number)).toThrow(
      /vehicle\.hp: expected a number, got string/,
    );
  });

  it('refuses to read a code past the range, and to write one', () => {
    const field = compile(int({ min: 0, max: 100 }), 'vehicle.hp');
    for (const code of [101, 127]) {
      expect(badFrame(() => field.read(bitsOf((writer) => writer.writeBits(code, 7))))).toBe(
        `vehicle.hp: code ${code} is past the largest valid code 100`,
      );
    }
    expect(badFrame(() => field.read(bitsOf(() => {})))).toBe(
      'vehicle.hp: needs 7 bits, the input has 0 left',
    );
    expect(() => writeAndRead(field, 101)).toThrow(RangeError);
    expect(() => writeAndRead(field, 1.5)).toThrow(/vehicle\.hp: 1.5 is not a code of this field/);
  });

  it.each([
    [{ min: 5, max: 5 }, /thing\.field: int range is empty: min 5 must be below max 5/],
    [{ min: 5, max: 4 }, /int range is empty/],
    [{ min: 0.5, max: 4 }, /safe integers/],
    [{ min: 0, max: 2 ** 53 }, /safe integers/],
    [{ min: 0, max: 2 ** 32 }, /needs more than 32 bits/],
    [{ min: Number.NaN, max: 1 }, /safe integers/],
  ])('rejects the declaration %o', (options, message) => {
    expect(() => compile(int(options))).toThrow(SchemaError);
    expect(() => compile(int(options))).toThrow(message);
  });
});
