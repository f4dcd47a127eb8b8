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

  it('writes codes in truncated binary: every pattern reads as a code, the low codes a bit shorter', () => {
    // 0..100: 101 codes in 7 bits leave 27 patterns unused, so codes 0..26 take 6 bits.
    const field = compile(int({ min: 0, max: 100 }), 'vehicle.hp');
    expect([0, 26, 27, 100].map((code) => writeAndRead(field, code).bits)).toEqual([6, 6, 7, 7]);
    expect([0, 26, 27, 100].map((code) => field.bitLength(code))).toEqual([6, 6, 7, 7]);
    for (let pattern = 0; pattern < 2 ** 7; pattern++) {
      const code = field.read(bitsOf((writer) => writer.writeBits(pattern, 7)));
      expect(code).toBeGreaterThanOrEqual(0);
      expect(code).toBeLessThanOrEqual(100);
    }
  });

  it('refuses to write a code past the range, and names a short read', () => {
    const field = compile(int({ min: 0, max: 100 }), 'vehicle.hp');
    expect(badFrame(() => field.read(bitsOf(() => {})))).toBe(
      'vehicle.hp: needs 6 bits, the input has 0 left',
    );
    // A long code's first 6 bits at the very end of the input: its last bit is missing.
    const cut = bitsOf((writer) => writer.writeBits(0b11111100, 8));
    cut.readBits(2);
    expect(badFrame(() => field.read(cut))).toBe('vehicle.hp: needs 1 bits, the input has 0 left');
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
