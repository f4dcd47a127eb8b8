import { BitWriter } from 'vehikill-net/protocol';
import { SchemaError, type Vec2, type Vec3, vec2, vec3 } from 'vehikill-net/sync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { badFrame, bitsOf, compile, snap, writeAndRead } from './field-harness.js';

const metres = { min: -1000, max: 1000, precision: 0.01 }; // 18 bits a component

describe('vec2() and vec3()', () => {
  it('are their float spec per component, written x, y, z', () => {
    const position = compile(vec3(metres), 'vehicle.position');
    expectTypeOf(position.dequantize([0, 0, 0])).toEqualTypeOf<Vec3>();
    expect(position.bits).toBe(54);
    const code = position.quantize({ x: -1000, y: 0, z: 1000 });
    expect(code).toEqual([0, 100_000, 200_000]);
    const written = writeAndRead(position, code);
    // 200,001 codes in 18 bits: the 62,143 lowest take 17 (truncated binary), so x here costs one bit less.
    expect(written.bits).toBe(17 + 18 + 18);
    expect(position.bitLength(code)).toBe(written.bits);
    expect(position.dequantize(written.code)).toEqual({ x: -1000, y: 0, z: 1000 });

    const velocity = compile(vec2({ min: -64, max: 64, precision: 1 / 64 }));
    expectTypeOf(velocity.dequantize([0, 0])).toEqualTypeOf<Vec2>();
    expect(velocity.bits).toBe(2 * 14);
    expect(snap(velocity, { x: 1.5, y: -0.25 })).toEqual({ x: 1.5, y: -0.25 });
  });

  it('clamps each component on its own', () => {
    const position = compile(vec3(metres));
    const clamped = snap(position, { x: 5000, y: 12.5, z: Number.NEGATIVE_INFINITY });
    expect(clamped).toEqual({ x: 1000, y: 12.5, z: -1000 });
  });

  it('compares codes component by component', () => {
    const position = compile(vec3(metres));
    const a = position.quantize({ x: 1, y: 2, z: 3 });
    expect(position.equals(a, position.quantize({ x: 1.001, y: 2, z: 3 }))).toBe(true);
    expect(position.equals(a, position.quantize({ x: 1, y: 2, z: 3.01 }))).toBe(false);
  });

  it('names the component at fault', () => {
    const position = compile(vec3(metres), 'vehicle.position');
    expect(() => position.quantize({ x: 1, y: Number.NaN, z: 3 })).toThrow(
      new RangeError('vehicle.position.y: NaN cannot be quantized'),
    );
    expect(() => position.quantize({ x: 1, y: 2 } as Vec3)).toThrow(
      /vehicle\.position\.z: expected a number, got undefined/,
    );
    expect(() => position.quantize(null as unknown as Vec3)).toThrow(
      new TypeError('vehicle.position: expected {x, y, z}, got null'),
    );
    expect(() => position.write(new BitWriter(), [1, 2])).toThrow(/expected 3 component codes/);
    const writer = new BitWriter();
    expect(() => position.write(writer, [1, 2, 200_001])).toThrow(
      new RangeError('vehicle.position.z: 200001 is not a code of this field'),
    );
    expect(writer.bitLength).toBe(0);
  });

  it('names the component a short read stopped in', () => {
    const tight = compile(vec2({ min: 0, max: 4, precision: 1 }), 'vehicle.scale'); // codes 0..4 in 2-3 bits
    // Three filler bits, x = 4 ('11' then '1'), then y's first two bits '11' at the end of the input.
    const reader = bitsOf((writer) => {
      writer.writeBits(0, 3);
      writer.writeBits(0b11111, 5);
    });
    reader.readBits(3);
    expect(badFrame(() => tight.read(reader))).toBe('vehicle.scale.y: needs 1 bits, the input has 0 left');
  });

  it('rejects a bad float spec naming the vector', () => {
    expect(() => compile(vec3({ min: 0, max: 0, precision: 1 }), 'vehicle.position')).toThrow(SchemaError);
    expect(() => compile(vec3({ min: 0, max: 0, precision: 1 }), 'vehicle.position')).toThrow(
      /^vehicle\.position\.x: float range is empty/,
    );
  });
});
