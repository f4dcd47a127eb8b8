import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

describe('BitWriter and BitReader', () => {
  it('round-trips values of every width from 0 to 32 bits, packed without padding', () => {
    const writer = new BitWriter(1);
    const values: Array<[number, number]> = [];
    for (let width = 0; width <= 32; width++) {
      const value = width === 0 ? 0 : Math.floor(((2 ** width - 1) * ((width * 7919) % 101)) / 100);
      values.push([value, width]);
      writer.writeBits(value, width);
    }
    const totalBits = (32 * 33) / 2;
    expect(writer.bitLength).toBe(totalBits);
    const bytes = writer.finish();
    expect(bytes.length).toBe(Math.ceil(totalBits / 8));
    const reader = new BitReader(bytes);
    for (const [value, width] of values) expect(reader.readBits(width)).toBe(value);
  });

  it('round-trips booleans, varuints, zig-zag varints and float32', () => {
    const writer = new BitWriter();
    const uints = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, Number.MAX_SAFE_INTEGER];
    const ints = [0, -1, 1, -64, 64, -(2 ** 40), 2 ** 40];
    writer.writeBool(true);
    for (const value of uints) writer.writeVarUint(value);
    for (const value of ints) writer.writeVarInt(value);
    writer.writeFloat32(Math.PI);
    writer.writeBool(false);
    const reader = new BitReader(writer.finish());
    expect(reader.readBool()).toBe(true);
    for (const value of uints) expect(reader.readVarUint()).toBe(value);
    for (const value of ints) expect(reader.readVarInt()).toBe(value);
    expect(reader.readFloat32()).toBe(Math.fround(Math.PI));
    expect(reader.readBool()).toBe(false);
  });

  it('refuses values that do not fit their width', () => {
    const writer = new BitWriter();
    expect(() => writer.writeBits(4, 2)).toThrow(RangeError);
    expect(() => writer.writeBits(-1, 8)).toThrow(RangeError);
    expect(() => writer.writeBits(1.5, 8)).toThrow(RangeError);
    expect(() => writer.writeBits(1, 33)).toThrow(RangeError);
    expect(() => writer.writeVarUint(-1)).toThrow(RangeError);
  });

  it('reading past the end is BAD_FRAME, never garbage', () => {
    const reader = new BitReader(Uint8Array.of(0xff));
    reader.readBits(7);
    expect(() => reader.readBits(2)).toThrow(ProtocolError);
    try {
      new BitReader(Uint8Array.of(0x80, 0x80)).readVarUint();
    } catch (error) {
      expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    }
  });
});
