import { BitReader } from 'vehikill-net/protocol';
import { enumOf, SchemaError } from 'vehikill-net/sync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { badFrame, bitsOf, compile, writeAndRead } from './field-harness.js';

describe('enumOf()', () => {
  it('infers the union of its values', () => {
    const field = compile(enumOf(['idle', 'driving', 'wrecked']));
    expectTypeOf(field.dequantize(0)).toEqualTypeOf<'idle' | 'driving' | 'wrecked'>();
    // @ts-expect-error 'flying' is not one of the values
    expect(() => field.quantize('flying')).toThrow(RangeError);
  });

  // Truncated binary: of n values in `bits` bits, the first 2^bits - n take one bit less.
  it.each([
    [1, 0, 0, 0],
    [2, 1, 1, 1],
    [3, 2, 1, 2],
    [4, 2, 2, 2],
    [5, 3, 2, 3],
    [256, 8, 8, 8],
    [257, 9, 8, 9],
  ])('%d values take at most %d bits (the first %d, the last %d)', (count, bits, firstBits, lastBits) => {
    const values = Array.from({ length: count }, (_, index) => `v${index}`);
    const field = compile(enumOf(values));
    expect(field.bits).toBe(bits);
    for (const [value, expected] of [
      [values[0]!, firstBits],
      [values[count - 1]!, lastBits],
    ] as const) {
      const written = writeAndRead(field, field.quantize(value));
      expect(written.bits).toBe(expected);
      expect(field.bitLength(field.quantize(value))).toBe(expected);
      expect(field.dequantize(written.code)).toBe(value);
    }
  });

  it('codes are indices in declaration order', () => {
    const field = compile(enumOf(['a', 'b', 'c']));
    expect(['a', 'b', 'c'].map((value) => field.quantize(value as 'a'))).toEqual([0, 1, 2]);
  });

  it('names the field and the values when a value is unknown', () => {
    const field = compile(enumOf(['red', 'blue']), 'vehicle.team');
    expect(() => field.quantize('green' as 'red')).toThrow(
      new RangeError(`vehicle.team: "green" is not one of 'red', 'blue'`),
    );
    const many = compile(enumOf(Array.from({ length: 20 }, (_, index) => `v${index}`)));
    expect(() => many.quantize('nope')).toThrow(/'v7', \.\.\.$/);
  });

  it('reads every bit pattern as a value, refuses to write a code past the last, and names a short read', () => {
    const field = compile(enumOf(['a', 'b', 'c']), 'vehicle.team');
    // '0' is a; '1' then one more bit is b or c.
    expect(field.read(bitsOf((writer) => writer.writeBits(0, 1)))).toBe(0);
    expect(field.read(bitsOf((writer) => writer.writeBits(0b11, 2)))).toBe(2);
    expect(() => writeAndRead(field, 3)).toThrow(RangeError);
    expect(badFrame(() => field.read(new BitReader(new Uint8Array(0))))).toMatch(
      /^vehicle\.team: needs 1 bits/,
    );
  });

  it('rejects an empty list, duplicates and non-strings, naming the field', () => {
    expect(() => compile(enumOf([]), 'vehicle.team')).toThrow(
      new SchemaError('vehicle.team', 'enum has no values'),
    );
    expect(() => compile(enumOf(['a', 'b', 'a']), 'vehicle.team')).toThrow(
      /^vehicle\.team: enum value 'a' appears twice \(indices 0 and 2\)$/,
    );
    expect(() => compile(enumOf(['a', 1 as unknown as string]))).toThrow(/enum values must be strings/);
    expect(() => compile(enumOf('abc' as unknown as string[]))).toThrow(/needs an array/);
  });
});
