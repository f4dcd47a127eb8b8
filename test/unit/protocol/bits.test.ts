import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

const widths = Array.from({ length: 33 }, (_, width) => width);
/** Values worth trying at a width: both ends, single bits at both ends, and alternating patterns. */
function valuesAt(width: number): number[] {
  if (width === 0) return [0];
  const max = 2 ** width - 1;
  const alternating = Number.parseInt('10'.repeat(16).slice(0, width), 2);
  return [...new Set([0, 1, max, 2 ** (width - 1), max - 1, alternating, max - alternating])];
}

/** The ProtocolError code a read fails with, or undefined when it does not fail. */
function readFailure(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return undefined;
}

describe('BitWriter and BitReader: raw bits', () => {
  it.each(widths)('round-trips %i-bit values at every bit offset', (width) => {
    for (let offset = 0; offset < 8; offset++) {
      for (const value of valuesAt(width)) {
        const writer = new BitWriter(1);
        writer.writeBits(0, offset);
        writer.writeBits(value, width);
        writer.writeBits(1, 1); // a marker after the value: nothing may spill over it
        expect(writer.bitLength).toBe(offset + width + 1);
        const reader = new BitReader(writer.finish());
        expect(reader.readBits(offset)).toBe(0);
        expect(reader.readBits(width)).toBe(value);
        expect(reader.readBits(1)).toBe(1);
        expect(reader.bitPosition).toBe(offset + width + 1);
      }
    }
  });

  it('packs every width 0..32 back to back without padding', () => {
    const writer = new BitWriter(1);
    const written: Array<[number, number]> = [];
    for (const width of widths) {
      const value = width === 0 ? 0 : Math.floor(((2 ** width - 1) * ((width * 7919) % 101)) / 100);
      written.push([value, width]);
      writer.writeBits(value, width);
    }
    const totalBits = (32 * 33) / 2;
    expect(writer.bitLength).toBe(totalBits);
    const bytes = writer.finish();
    expect(bytes.length).toBe(Math.ceil(totalBits / 8));
    const reader = new BitReader(bytes);
    for (const [value, width] of written) expect(reader.readBits(width)).toBe(value);
    expect(reader.bitsRemaining).toBe(bytes.length * 8 - totalBits);
  });

  it.each([1, 64, 4096])(
    'packs seeded random widths the same as one bit at a time (initial capacity %i)',
    (capacity) => {
      // A capacity of 1 grows at nearly every write, 4096 never: writes with and without room to spare.
      let seed = capacity;
      const random = () => {
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
        return seed / 2 ** 32;
      };
      const writer = new BitWriter(capacity);
      const bits: number[] = [];
      for (let write = 0; write < 2000; write++) {
        const width = random() < 0.8 ? Math.floor(random() * 25) : Math.floor(random() * 33);
        const value = Math.floor(random() * 2 ** width);
        writer.writeBits(value, width);
        for (let bit = 0; bit < width; bit++) bits.push(Math.floor(value / 2 ** bit) % 2);
      }
      const expected = new Uint8Array(Math.ceil(bits.length / 8));
      bits.forEach((bit, at) => {
        expected[at >> 3] = (expected[at >> 3] as number) | (bit << (at & 7));
      });
      expect(writer.bitLength).toBe(bits.length);
      expect(writer.finish()).toEqual(expected);
    },
  );

  it('writes least-significant bit first and pads the last byte with zeros', () => {
    const writer = new BitWriter();
    writer.writeBits(1, 1);
    writer.writeBits(0b101, 3);
    expect([...writer.finish()]).toEqual([0b1011]);
    writer.writeBits(0x1ff, 9);
    expect([...writer.finish()]).toEqual([0xfb, 0x1f]);
    expect(new BitWriter().finish().length).toBe(0);
  });

  it('grows from any initial capacity, and finish() returns a copy', () => {
    for (const capacity of [0, 1, 3]) {
      const writer = new BitWriter(capacity);
      for (let i = 0; i < 100; i++) writer.writeBits(i, 8);
      const bytes = writer.finish();
      expect([...bytes]).toEqual(Array.from({ length: 100 }, (_, i) => i));
      bytes[0] = 0xff;
      expect(writer.finish()[0]).toBe(0);
    }
  });

  it('round-trips booleans', () => {
    const pattern = [true, false, false, true, true, true, false, true, false];
    const writer = new BitWriter();
    for (const bit of pattern) writer.writeBool(bit);
    const reader = new BitReader(writer.finish());
    expect(pattern.map(() => reader.readBool())).toEqual(pattern);
  });

  it('reads single bits with readBit as readBits(1) does, across byte boundaries', () => {
    const bytes = Uint8Array.of(0b1011_0010, 0b0000_0001, 0xff);
    const byBits = new BitReader(bytes);
    const byBit = new BitReader(bytes);
    for (let bit = 0; bit < 24; bit++) {
      expect(byBit.readBit()).toBe(byBits.readBits(1));
      expect(byBit.bitPosition).toBe(bit + 1);
    }
  });
});

describe('BitWriter and BitReader: varuint, varint, float32', () => {
  const uints = [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 31, 2 ** 32, 2 ** 49];
  uints.push(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER);
  const ints = [0, -1, 1, -64, 64, -65, -(2 ** 31), 2 ** 31, -(2 ** 40), 2 ** 40, -(2 ** 52), 2 ** 52 - 1];

  it('round-trips varuints at any bit offset', () => {
    for (const offset of [0, 3]) {
      const writer = new BitWriter();
      writer.writeBits(0, offset);
      for (const value of uints) writer.writeVarUint(value);
      const reader = new BitReader(writer.finish());
      reader.readBits(offset);
      for (const value of uints) expect(reader.readVarUint()).toBe(value);
    }
  });

  it('spends 8 bits per 7-bit group', () => {
    for (const [value, groups] of [
      [0, 1],
      [127, 1],
      [128, 2],
      [16_384, 3],
      [Number.MAX_SAFE_INTEGER, 8],
    ] as const) {
      const writer = new BitWriter();
      writer.writeVarUint(value);
      expect(writer.bitLength, String(value)).toBe(groups * 8);
    }
  });

  it('round-trips zig-zag varints; small magnitudes of either sign stay small', () => {
    const writer = new BitWriter();
    for (const value of ints) writer.writeVarInt(value);
    const reader = new BitReader(writer.finish());
    for (const value of ints) expect(reader.readVarInt()).toBe(value);
    for (const value of [-64, 63]) {
      const small = new BitWriter();
      small.writeVarInt(value);
      expect(small.bitLength).toBe(8);
    }
  });

  it('refuses varints whose zig-zag form would pass 2^53 - 1', () => {
    expect(() => new BitWriter().writeVarInt(2 ** 52)).toThrow(RangeError);
    expect(() => new BitWriter().writeVarInt(-(2 ** 52) - 1)).toThrow(RangeError);
    expect(() => new BitWriter().writeVarInt(0.5)).toThrow(RangeError);
  });

  it('round-trips float32 exactly as Math.fround, including specials', () => {
    const floats = [0, -0, 1, -1, Math.PI, 1e-45, 3.4e38, -1e-40, 65_504.5, Infinity, -Infinity, Number.NaN];
    const writer = new BitWriter();
    writer.writeBits(1, 1); // unaligned on purpose
    for (const value of floats) writer.writeFloat32(value);
    expect(writer.bitLength).toBe(1 + 32 * floats.length);
    const reader = new BitReader(writer.finish());
    reader.readBits(1);
    for (const value of floats)
      expect(Object.is(reader.readFloat32(), Math.fround(value)), String(value)).toBe(true);
  });
});

describe('writeBits range errors', () => {
  it('refuses widths outside 0..32', () => {
    for (const width of [-1, 33, 1.5, Number.NaN, Infinity]) {
      expect(() => new BitWriter().writeBits(0, width), String(width)).toThrow(RangeError);
      expect(() => new BitReader(new Uint8Array(8)).readBits(width), String(width)).toThrow(RangeError);
    }
  });

  it('refuses values that do not fit their width', () => {
    const cases: Array<[number, number]> = [
      [1, 0],
      [2, 1],
      [4, 2],
      [256, 8],
      [2 ** 31, 31],
      [2 ** 32, 32],
      [-1, 8],
      [1.5, 8],
      [Number.NaN, 8],
      [Infinity, 32],
    ];
    for (const [value, width] of cases) {
      const writer = new BitWriter();
      expect(() => writer.writeBits(value, width), `${value} in ${width} bits`).toThrow(RangeError);
      expect(writer.bitLength).toBe(0);
    }
    const writer = new BitWriter();
    writer.writeBits(0xffffffff, 32);
    expect(new BitReader(writer.finish()).readBits(32)).toBe(0xffffffff);
  });

  it('refuses varuints that are negative, fractional or past 2^53 - 1', () => {
    for (const value of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) {
      expect(() => new BitWriter().writeVarUint(value), String(value)).toThrow(RangeError);
    }
  });
});

describe('reading past the end', () => {
  it('is BAD_FRAME, and a refused read moves nothing', () => {
    const reader = new BitReader(Uint8Array.of(0xff));
    expect(reader.readBits(7)).toBe(0x7f);
    expect(readFailure(() => reader.readBits(2))).toBe(ErrorCode.BAD_FRAME);
    expect(reader.bitPosition).toBe(7);
    expect(reader.bitsRemaining).toBe(1);
    expect(reader.readBool()).toBe(true);
    expect(readFailure(() => reader.readBool())).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => reader.readBit())).toBe(ErrorCode.BAD_FRAME);
    expect(reader.bitPosition).toBe(8);
    expect(reader.readBits(0)).toBe(0);
  });

  it('is BAD_FRAME for every kind of read on an empty or short buffer', () => {
    const empty = () => new BitReader(new Uint8Array(0));
    expect(readFailure(() => empty().readBits(1))).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => empty().readBool())).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => empty().readBit())).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => empty().readVarUint())).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => empty().readVarInt())).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => new BitReader(Uint8Array.of(1, 2, 3)).readFloat32())).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure(() => new BitReader(Uint8Array.of(0x80, 0x80)).readVarUint())).toBe(
      ErrorCode.BAD_FRAME,
    );
  });

  it('refuses varuints longer than 8 groups or past 2^53 - 1 with BAD_FRAME', () => {
    expect(readFailure(() => new BitReader(new Uint8Array(16).fill(0xff)).readVarUint())).toBe(
      ErrorCode.BAD_FRAME,
    );
    // Eight groups, the last without a continuation bit: 2^56 - 1, not a safe integer.
    const tooBig = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
    expect(readFailure(() => new BitReader(tooBig).readVarUint())).toBe(ErrorCode.BAD_FRAME);
    const max = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f);
    expect(new BitReader(max).readVarUint()).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws ProtocolError instances that carry the code', () => {
    try {
      new BitReader(new Uint8Array(0)).readBits(8);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toMatchObject({ name: 'ProtocolError', code: ErrorCode.BAD_FRAME });
    }
  });
});
