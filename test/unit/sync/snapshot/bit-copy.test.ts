import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../../../src/protocol/index.js';
import { appendBits, appendBitsAfter } from '../../../../src/sync/snapshot/bit-copy.js';

/** A deterministic xorshift, so a failure names the case that failed. */
function bitsFrom(seed: number, count: number): number[] {
  let state = seed || 1;
  const bits: number[] = [];
  for (let index = 0; index < count; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bits.push(state & 1);
  }
  return bits;
}

function encode(bits: readonly number[]): { bytes: Uint8Array; bitLength: number } {
  const writer = new BitWriter(1);
  for (const bit of bits) writer.writeBits(bit, 1);
  return { bytes: writer.finish(), bitLength: writer.bitLength };
}

/** What appendBits must equal: the bits written back one at a time. */
function reference(
  prefix: readonly number[],
  bits: readonly number[],
  suffix: readonly number[],
): Uint8Array {
  return encode([...prefix, ...bits, ...suffix]).bytes;
}

describe('appendBits', () => {
  it('copies every length at every destination bit offset, like writing the bits one by one', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 300; length += length < 80 ? 1 : 37) {
        const prefix = bitsFrom(offset + 1, offset + 8 * (length % 3));
        const bits = bitsFrom(1000 + length, length);
        const suffix = bitsFrom(7 + length, 11);
        const writer = new BitWriter(1);
        for (const bit of prefix) writer.writeBits(bit, 1);
        appendBits(writer, encode(bits));
        expect(writer.bitLength).toBe(prefix.length + length);
        for (const bit of suffix) writer.writeBits(bit, 1);
        expect(writer.finish(), `offset ${offset} length ${length}`).toEqual(reference(prefix, bits, suffix));
      }
    }
  });

  it('ignores source bits past bitLength', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 24; length++) {
        const writer = new BitWriter(1);
        writer.writeBits(0, offset);
        appendBits(writer, { bytes: new Uint8Array([0xff, 0xff, 0xff, 0xff]), bitLength: length });
        const reader = new BitReader(writer.finish());
        expect(reader.readBits(offset)).toBe(0);
        for (let bit = 0; bit < length; bit++) expect(reader.readBits(1)).toBe(1);
        expect(reader.readBits(reader.bitsRemaining)).toBe(0);
      }
    }
  });

  it('grows the writer as needed', () => {
    const bits = bitsFrom(42, 5000);
    const writer = new BitWriter(1);
    writer.writeBits(1, 3);
    appendBits(writer, encode(bits));
    expect(writer.finish()).toEqual(reference([1, 0, 0], bits, []));
  });

  it('refuses a bit length past the source', () => {
    const writer = new BitWriter();
    expect(() => writer.writeBitsFrom(new Uint8Array(2), 17)).toThrow(RangeError);
    expect(() => writer.writeBitsFrom(new Uint8Array(2), -1)).toThrow(RangeError);
    expect(() => writer.writeBitsFrom(new Uint8Array(2), 1.5)).toThrow(RangeError);
    expect(writer.bitLength).toBe(0);
  });
});

describe('BitWriter.writeBits / BitReader.readBits round trip at every offset and width', () => {
  it('reads back what was written', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (let width = 0; width <= 32; width++) {
        for (const value of [0, 1, 2 ** width - 1, Math.floor((2 ** width - 1) / 3)]) {
          if (width === 0 && value !== 0) continue;
          const writer = new BitWriter(1);
          writer.writeBits(0x55 & ((1 << offset) - 1), offset);
          writer.writeBits(value, width);
          writer.writeBits(1, 1);
          const reader = new BitReader(writer.finish());
          expect(reader.readBits(offset)).toBe(0x55 & ((1 << offset) - 1));
          expect(reader.readBits(width), `offset ${offset} width ${width}`).toBe(value);
          expect(reader.readBits(1)).toBe(1);
        }
      }
    }
  });
});

describe('appendBitsAfter', () => {
  it('copies all but the first bits, at every destination offset, like writing the rest one by one', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (const skip of [0, 1, 3, 7, 8, 9, 31]) {
        for (let length = skip; length <= 120; length += length < 60 ? 1 : 13) {
          const prefix = bitsFrom(offset + 3, offset);
          const bits = bitsFrom(500 + length + skip, length);
          const writer = new BitWriter(1);
          for (const bit of prefix) writer.writeBits(bit, 1);
          appendBitsAfter(writer, encode(bits), skip);
          expect(writer.bitLength).toBe(prefix.length + length - skip);
          expect(writer.finish(), `offset ${offset} skip ${skip} length ${length}`).toEqual(
            reference(prefix, bits.slice(skip), []),
          );
        }
      }
    }
  });
});
