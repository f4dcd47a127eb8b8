import type { BitWriter } from 'vehikill-net/protocol';
import { SchemaError, string } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { badFrame, bitsOf, compile, writeAndRead } from './field-harness.js';

/** maxLength 16: 17 lengths in 5 bits leave 15 patterns unused, so lengths 0..14 take 4 bits. */
function lengthBits(length: number): number {
  return length < 15 ? 4 : 5;
}

/** A length of the maxLength-16 field as the field writes it (truncated binary, see fields/codes.ts). */
function writeLength(writer: BitWriter, length: number): void {
  if (length < 15) {
    writer.writeBits(length, 4);
    return;
  }
  writer.writeBits((length + 15) >>> 1, 4);
  writer.writeBits((length + 15) & 1, 1);
}

describe('string()', () => {
  const field = compile(string({ maxLength: 16 }), 'vehicle.name');

  it('is a length in truncated binary (at most ceil(log2(maxLength + 1)) bits), then the UTF-8 bytes', () => {
    expect(field.bits).toBe(5 + 16 * 8);
    expect(compile(string({ maxLength: 1 })).bits).toBe(1 + 8);
    expect(compile(string({ maxLength: 15 })).bits).toBe(4 + 15 * 8);
    for (const text of ['', 'a', 'hello', 'sixteen letters!']) {
      const { code, bits } = writeAndRead(field, field.quantize(text));
      expect(code).toBe(text);
      expect(bits).toBe(lengthBits(text.length) + 8 * text.length);
      expect(field.bitLength(code)).toBe(bits);
    }
  });

  it('counts maxLength in UTF-8 bytes, not characters', () => {
    for (const [text, bytes] of [
      ['é', 2],
      ['€', 3],
      ['🚗', 4],
      ['ñandú', 7],
      ['éééééééé', 16],
      ['🚗🚗🚗🚗', 16],
    ] as const) {
      const { code, bits } = writeAndRead(field, field.quantize(text));
      expect(code).toBe(text);
      expect(bits).toBe(lengthBits(bytes) + 8 * bytes);
      expect(field.bitLength(code)).toBe(bits);
    }
  });

  it('throws on text that does not fit instead of cutting it', () => {
    expect(() => field.quantize('éééééééé!')).toThrow(
      new RangeError('vehicle.name: text is 17 UTF-8 bytes, at most 16 fit'),
    );
    expect(() => field.quantize('seventeen letters')).toThrow(RangeError);
    expect(() => field.quantize('🚗🚗🚗🚗a')).toThrow(/17 UTF-8 bytes/);
    expect(() => field.quantize(42 as unknown as string)).toThrow(
      new TypeError('vehicle.name: expected a string, got number'),
    );
  });

  it('replaces lone surrogates with U+FFFD, as UTF-8 must, and then holds still', () => {
    const code = field.quantize('a\uD800b\uDC00');
    expect(code).toBe('a\uFFFDb\uFFFD');
    expect(field.quantize(code)).toBe(code);
    expect(writeAndRead(field, code).code).toBe(code);
    expect(field.quantize('🚗')).toBe('🚗');
    expect(() => writeAndRead(field, 'a\uD800')).toThrow(
      new RangeError('vehicle.name: not a code quantize() produces'),
    );
  });

  it('keeps a leading byte order mark as text', () => {
    expect(writeAndRead(field, field.quantize('\uFEFFhi')).code).toBe('\uFEFFhi');
  });

  it('reads every length pattern as at most maxLength, refuses malformed UTF-8 and truncated text', () => {
    // The longest length, 16, is '1111' then '1' (15 * 2 + 1 - 15): its 16 bytes are missing.
    const longest = bitsOf((writer) => writeLength(writer, 16));
    expect(badFrame(() => field.read(longest))).toBe(
      'vehicle.name: 16 bytes of text run past the end of the input',
    );
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
      const malformed = bitsOf((writer) => {
        writeLength(writer, bytes.length);
        for (const byte of bytes) writer.writeBits(byte, 8);
      });
      expect(badFrame(() => field.read(malformed))).toBe('vehicle.name: text is not valid UTF-8');
    }
    const truncated = bitsOf((writer) => {
      writeLength(writer, 10);
      writer.writeBits(0x61, 8);
    });
    expect(badFrame(() => field.read(truncated))).toBe(
      'vehicle.name: 10 bytes of text run past the end of the input',
    );
  });

  it.each([0, -1, 1.5, 65_536, Number.NaN])('rejects maxLength: %d', (maxLength) => {
    expect(() => compile(string({ maxLength }))).toThrow(SchemaError);
    expect(() => compile(string({ maxLength }))).toThrow(
      /^thing\.field: string maxLength must be an integer in 1\.\.65535/,
    );
  });
});
