import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

/** Random values of random widths (0-32 bits), written back to back. */
function randomStream(seed: number, count: number) {
  const random = seededRandom(seed);
  const writer = new BitWriter(1);
  const values: { value: number; bits: number }[] = [];
  for (let index = 0; index < count; index++) {
    const bits = Math.floor(random() * 33);
    const value = bits === 0 ? 0 : Math.floor(random() * 2 ** bits);
    writer.writeBits(value, bits);
    values.push({ value, bits });
  }
  return { bytes: writer.finish(), values };
}

// The paths the snapshot decoder takes for every relative field: a peek of the class and the widest
// difference, then a skip of what the class takes.
describe('BitReader peekBits and skipBits', () => {
  it('peeks what readBits then reads, at every offset and width, without moving', () => {
    const { bytes, values } = randomStream(20261130, 2000);
    const reader = new BitReader(bytes);
    for (const { value, bits } of values) {
      const position = reader.bitPosition;
      expect(reader.peekBits(bits)).toBe(value);
      expect(reader.bitPosition).toBe(position);
      expect(reader.readBits(bits)).toBe(value);
    }
  });

  it('skips exactly what it is told, so a peek and a skip read like a readBits', () => {
    const { bytes, values } = randomStream(7, 500);
    const reader = new BitReader(bytes);
    for (const { value, bits } of values) {
      const peeked = reader.peekBits(32);
      reader.skipBits(bits);
      expect(bits === 0 ? 0 : (peeked & (2 ** bits - 1)) >>> 0).toBe(value);
    }
  });

  it('reads zeros for bits past the end when peeking, and refuses to skip past the end', () => {
    const reader = new BitReader(Uint8Array.of(0b1011_0110));
    reader.readBits(3);
    expect(reader.peekBits(26)).toBe(0b10110);
    reader.skipBits(5);
    expect(reader.peekBits(8)).toBe(0);
    let thrown: unknown;
    try {
      reader.skipBits(1);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    expect(reader.bitPosition).toBe(8);
    expect(() => reader.peekBits(33)).toThrow(RangeError);
  });
});

describe('BitWriter reset', () => {
  it('writes after a reset exactly what a new writer writes, whatever was written before', () => {
    const reused = new BitWriter(4);
    const first = randomStream(1, 300);
    for (const { value, bits } of first.values) reused.writeBits(value, bits);
    expect(reused.finish()).toEqual(first.bytes);
    reused.reset();
    expect(reused.bitLength).toBe(0);
    const second = randomStream(2, 40);
    for (const { value, bits } of second.values) reused.writeBits(value, bits);
    expect(reused.finish()).toEqual(second.bytes);
  });
});
