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

  it.each([
    [1, 0],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 3],
    [256, 8],
    [257, 9],
  ])('%d values take %d bits', (count, bits) => {
    const values = Array.from({ length: count }, (_, index) => `v${index}`);
    const field = compile(enumOf(values));
    expect(field.bits).toBe(bits);
    for (const value of [values[0]!, values[count - 1]!]) {
      const written = writeAndRead(field, field.quantize(value));
      expect(written.bits).toBe(bits);
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

  it('refuses a code past the last value', () => {
    const field = compile(enumOf(['a', 'b', 'c']), 'vehicle.team');
    expect(badFrame(() => field.read(bitsOf((writer) => writer.writeBits(3, 2))))).toBe(
      'vehicle.team: code 3 is past the largest valid code 2',
    );
    expect(() => writeAndRead(field, 3)).toThrow(RangeError);
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
