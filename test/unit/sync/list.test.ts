import { BitWriter } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  entity,
  enumOf,
  type FieldDeclaration,
  float,
  int,
  list,
  SchemaError,
  string,
  vec2,
} from 'vehikill-net/sync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { badFrame, bitsOf, compile, snap, writeAndRead } from './field-harness.js';

/** 0..99: 100 codes in 7 bits, the 28 lowest in 6 (truncated binary: 2^7 − 1 − 99 short codes). */
const ammoCount = int({ min: 0, max: 99 });

/** maxLength 8: 9 lengths in 4 bits leave 7 patterns, so lengths 0..6 take 3 bits and 7, 8 take 4. */
function lengthBits(length: number): number {
  return length < 7 ? 3 : 4;
}

/** An ammo count as the int field writes it: 6 bits below 28, else 7. */
function countBits(count: number): number {
  return count < 28 ? 6 : 7;
}

describe('list()', () => {
  const ammo = compile(list(ammoCount, { maxLength: 8 }), 'vehicle.ammo');

  it('is plain arrays in and out, typed by its element', () => {
    expectTypeOf(ammo.dequantize([1])).toEqualTypeOf<number[]>();
    expectTypeOf(ammo.quantize([1])).toEqualTypeOf<readonly number[]>();
    const badges = compile(list(enumOf(['gold', 'silver']), { maxLength: 3 }));
    expectTypeOf(badges.dequantize([0])).toEqualTypeOf<('gold' | 'silver')[]>();
    const names = compile(list(string({ maxLength: 8 }), { maxLength: 3 }));
    expectTypeOf(names.quantize(['a'])).toEqualTypeOf<readonly string[]>();
    const value = [3, 99, 0];
    const out = ammo.dequantize(ammo.quantize(value));
    expect(out).toEqual([3, 99, 0]);
    expect(Array.isArray(out)).toBe(true);
    expect(out).not.toBe(value);
  });

  it('is the length in truncated binary, then each element as its field writes it', () => {
    expect(ammo.bits).toBe(4 + 8 * 7);
    for (const value of [[], [0], [27, 28], [99, 99, 99, 99, 99, 99, 99], [1, 2, 3, 4, 5, 6, 7, 8]]) {
      const code = ammo.quantize(value);
      const written = writeAndRead(ammo, code);
      expect(written.code).toEqual(value);
      const expected = value.reduce((bits, count) => bits + countBits(count), lengthBits(value.length));
      expect(written.bits).toBe(expected);
      expect(ammo.bitLength(code)).toBe(expected);
    }
    // By hand: length 2 in 3 bits, then 5 in 6 bits and 41 as 41 + 28 = 69: its top 6 bits (34), then 1.
    const reader = bitsOf((writer) => ammo.write(writer, [5, 41]));
    const read = [reader.readBits(3), reader.readBits(6), reader.readBits(6), reader.readBits(1)];
    expect(read).toEqual([2, 5, 69 >>> 1, 1]);
  });

  it('quantizes each element as its field would', () => {
    expect(snap(ammo, [-5, 12.5, 1000, 7.49])).toEqual([0, 13, 99, 7]);
    // Seconds on a grid of 1/8 s, which float64 holds exactly.
    const laps = compile(list(float({ min: 0, max: 600, precision: 0.125 }), { maxLength: 4 }));
    expect(snap(laps, [61.2, 59.99, 700])).toEqual([61.25, 60, 600]);
    const headings = compile(list(angle({ bits: 8 }), { maxLength: 2 }));
    expect(snap(headings, [Math.PI])).toEqual([-Math.PI]);
    const flags = compile(list(bool(), { maxLength: 5 }));
    expect(writeAndRead(flags, flags.quantize([true, false, true])).code).toEqual([1, 0, 1]);
    const names = compile(list(string({ maxLength: 8 }), { maxLength: 3 }));
    expect(snap(names, ['Ada', '', 'a\uD800'])).toEqual(['Ada', '', 'a\uFFFD']);
    expect(writeAndRead(names, names.quantize(['🚗', 'é'])).code).toEqual(['🚗', 'é']);
    // Snapped once, it stays put.
    const code = laps.quantize([61.2]);
    expect(laps.quantize(laps.dequantize(code))).toEqual(code);
  });

  it('compares element by element and by length', () => {
    const code = ammo.quantize([1, 2, 3]);
    expect(ammo.equals(code, ammo.quantize([1, 2, 3.2]))).toBe(true);
    expect(ammo.equals(code, ammo.quantize([1, 2, 4]))).toBe(false);
    expect(ammo.equals(code, ammo.quantize([1, 2]))).toBe(false);
    expect(ammo.equals(code, ammo.quantize([1, 2, 3, 0]))).toBe(false);
    expect(ammo.equals(ammo.quantize([]), ammo.quantize([]))).toBe(true);
  });

  it('refuses a value with no code, naming the list or the element at fault', () => {
    expect(() => ammo.quantize([1, 2, 3, 4, 5, 6, 7, 8, 9])).toThrow(
      new RangeError('vehicle.ammo: 9 elements, at most 8 fit'),
    );
    expect(() => ammo.quantize([1, Number.NaN])).toThrow(
      new RangeError('vehicle.ammo[1]: NaN cannot be quantized'),
    );
    expect(() => ammo.quantize([1, '2' as unknown as number])).toThrow(
      new TypeError('vehicle.ammo[1]: expected a number, got string'),
    );
    // A hole is an element like any other, not skipped.
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    expect(() => ammo.quantize([1, , 3] as number[])).toThrow(
      new TypeError('vehicle.ammo[1]: expected a number, got undefined'),
    );
    for (const [value, shown] of [
      [undefined, 'undefined'],
      [null, 'null'],
      [3, 'number'],
      [{ 0: 1, length: 1 }, 'object'],
      [new Uint8Array(2), 'object'],
    ] as const) {
      expect(() => ammo.quantize(value as unknown as number[])).toThrow(
        new TypeError(`vehicle.ammo: expected an array, got ${shown}`),
      );
    }
    const badges = compile(list(enumOf(['gold', 'silver']), { maxLength: 3 }), 'player.badges');
    expect(() => badges.quantize(['gold', 'bronze' as 'gold'])).toThrow(
      new RangeError(`player.badges[1]: "bronze" is not one of 'gold', 'silver'`),
    );
    const names = compile(list(string({ maxLength: 2 }), { maxLength: 3 }), 'player.names');
    expect(() => names.quantize(['ab', 'abc'])).toThrow(
      new RangeError('player.names[1]: text is 3 UTF-8 bytes, at most 2 fit'),
    );
  });

  it('refuses to write a code it could not have produced, before writing anything', () => {
    const writer = new BitWriter();
    for (const [code, message] of [
      [[1, 100], 'vehicle.ammo[1]: 100 is not a code of this field'],
      [[1, 1.5], 'vehicle.ammo[1]: 1.5 is not a code of this field'],
      [[-1], 'vehicle.ammo[0]: -1 is not a code of this field'],
      [['1'], 'vehicle.ammo[0]: 1 is not a code of this field'],
      [[0, 0, 0, 0, 0, 0, 0, 0, 0], 'vehicle.ammo: expected an array of at most 8 element codes'],
      [7, 'vehicle.ammo: expected an array of at most 8 element codes'],
    ] as const) {
      expect(() => ammo.write(writer, code as never)).toThrow(new RangeError(message));
      expect(writer.bitLength).toBe(0);
    }
    const names = compile(list(string({ maxLength: 2 }), { maxLength: 3 }), 'player.names');
    expect(() => names.write(writer, ['ab', 'a\uD800'])).toThrow(/^player\.names\[1\]: /);
    expect(() => names.write(writer, ['abc'])).toThrow(/^player\.names\[0\]: /);
    expect(writer.bitLength).toBe(0);
  });

  it('reads any length pattern as at most maxLength; elements past the end of the input are BAD_FRAME', () => {
    // The longest length, 8: '1111' (8 + 7 = 15), and no elements after it.
    expect(badFrame(() => ammo.read(bitsOf((writer) => writer.writeBits(0b1111, 4))))).toBe(
      'vehicle.ammo[0]: needs 6 bits, the input has 4 left',
    );
    const cut = bitsOf((writer) => {
      writer.writeBits(3, 3); // length 3
      writer.writeBits(5, 6);
      writer.writeBits(6, 6);
    });
    expect(badFrame(() => ammo.read(cut))).toMatch(
      /^vehicle\.ammo\[2\]: needs 6 bits, the input has \d left$/,
    );
    const names = compile(list(string({ maxLength: 4 }), { maxLength: 2 }), 'player.names');
    // List length 1 of 0..2 (u = 1: '1' then '0', as 1 + 1 = 2), text length 2 of 0..4 (u = 3: plain 2
    // bits), then C3 29, which is not UTF-8 ('é' is C3 A9).
    const oneText = (second: number) =>
      bitsOf((writer) => {
        writer.writeBits(1, 1);
        writer.writeBits(0, 1);
        writer.writeBits(2, 2);
        writer.writeBits(0xc3, 8);
        writer.writeBits(second, 8);
      });
    expect(names.read(oneText(0xa9))).toEqual(['é']);
    const invalid = oneText(0x29);
    expect(badFrame(() => names.read(invalid))).toBe('player.names[0]: text is not valid UTF-8');
  });

  it('is part of the wire description: maxLength and the element as the fingerprint describes a field', () => {
    expect(ammo.kind).toBe('list');
    expect(ammo.wireDetail).toBe('8 int 7 {"rounding":"whole","min":0,"step":1,"maxCode":99} ');
    const badges = compile(list(enumOf(['gold', 'silver']), { maxLength: 3 }));
    expect(badges.wireDetail).toBe('3 enum 1 null ["gold","silver"]');
    expect(badges.bits).toBe(2 + 3 * 1);
    // No grid and no relative codec: a list is written whole, never inline or against a baseline.
    expect((ammo as { grid?: unknown }).grid).toBeUndefined();
    expect(ammo.relative).toBeUndefined();
  });

  it('refuses bad declarations naming the field', () => {
    for (const maxLength of [0, -1, 1.5, 256, Number.NaN, undefined]) {
      expect(() => compile(list(ammoCount, { maxLength } as never), 'vehicle.ammo')).toThrow(
        new SchemaError(
          'vehicle.ammo',
          `list maxLength must be an integer in 1..255, got ${String(maxLength)}`,
        ),
      );
    }
    expect(() => compile(list(ammoCount, undefined as never), 'vehicle.ammo')).toThrow(
      new SchemaError('vehicle.ammo', 'list() needs an options object'),
    );
    expect(() => compile(list(int({ min: 5, max: 5 }), { maxLength: 2 }), 'vehicle.ammo')).toThrow(
      /^vehicle\.ammo\[\]: int range is empty/,
    );
    for (const element of [vec2({ min: 0, max: 1, precision: 0.5 }), list(ammoCount, { maxLength: 2 })]) {
      expect(() =>
        compile(
          list(element as unknown as FieldDeclaration<number, number>, { maxLength: 2 }),
          'vehicle.ammo',
        ),
      ).toThrow(/^vehicle\.ammo\[\]: a list holds int, float, angle, bool, enum or string elements, not /);
    }
    expect(() => compile(list(undefined as never, { maxLength: 2 }), 'vehicle.ammo')).toThrow(
      /^vehicle\.ammo\[\]: list\(\) needs a field declaration for its elements/,
    );
    expect(() => entity('vehicle', { ammo: list({} as never, { maxLength: 2 }) })).toThrow(SchemaError);
  });
});
