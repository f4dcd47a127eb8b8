import { ErrorCode, ProtocolError, readVarUint, varUintLength, writeVarUint } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

function readFailure(bytes: number[], offset = 0): string | undefined {
  try {
    readVarUint(Uint8Array.from(bytes), offset);
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return undefined;
}

/** 2^(7k) - 1 and 2^(7k) for every group count, where the encoded length changes. */
const boundaries = [0, 1, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER];
for (let groups = 1; groups <= 7; groups++) boundaries.push(2 ** (7 * groups) - 1, 2 ** (7 * groups));

describe('byte-aligned varuint (unsigned LEB128)', () => {
  it.each(boundaries)('round-trips %d with the predicted length, at any offset', (value) => {
    const length = varUintLength(value);
    expect(length).toBe(Math.ceil(value.toString(2).length / 7));
    for (const offset of [0, 1, 5]) {
      const buffer = new Uint8Array(offset + 10).fill(0xee);
      const end = writeVarUint(buffer, offset, value);
      expect(end - offset).toBe(length);
      expect(buffer[end]).toBe(0xee); // writes nothing past its length
      expect(readVarUint(buffer, offset)).toEqual({ value, next: end });
    }
  });

  it('writes 7 bits per byte, least significant group first, high bit on all but the last', () => {
    const bytesOf = (value: number) => {
      const buffer = new Uint8Array(varUintLength(value));
      writeVarUint(buffer, 0, value);
      return [...buffer];
    };
    expect(bytesOf(0)).toEqual([0x00]);
    expect(bytesOf(127)).toEqual([0x7f]);
    expect(bytesOf(128)).toEqual([0x80, 0x01]);
    expect(bytesOf(300)).toEqual([0xac, 0x02]);
    expect(bytesOf(Number.MAX_SAFE_INTEGER)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('stops at the end of the value and ignores what follows', () => {
    expect(readVarUint(Uint8Array.of(0x09, 0xac, 0x02, 0x22, 0xff), 1)).toEqual({ value: 300, next: 3 });
  });

  it('accepts redundant zero groups (not canonical, but unambiguous)', () => {
    expect(readVarUint(Uint8Array.of(0x80, 0x00), 0)).toEqual({ value: 0, next: 2 });
    expect(readVarUint(Uint8Array.of(0x81, 0x80, 0x00), 0)).toEqual({ value: 1, next: 3 });
  });

  it('is BAD_FRAME when empty, past the end, or truncated at any byte', () => {
    expect(readFailure([])).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure([0x01], 1)).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure([0x01], 9)).toBe(ErrorCode.BAD_FRAME);
    const full = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f];
    for (let length = 0; length < full.length; length++) {
      expect(readFailure(full.slice(0, length)), `${length} bytes`).toBe(ErrorCode.BAD_FRAME);
    }
  });

  it('is BAD_FRAME past 8 bytes or past 2^53 - 1', () => {
    expect(readFailure(new Array(9).fill(0xff))).toBe(ErrorCode.BAD_FRAME);
    expect(readFailure([...new Array(8).fill(0x80), 0x00])).toBe(ErrorCode.BAD_FRAME); // 9 bytes, even for 0
    expect(readFailure([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10])).toBe(ErrorCode.BAD_FRAME); // 2^53
    expect(readFailure([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])).toBe(ErrorCode.BAD_FRAME);
  });

  it('refuses to write what it could not read back', () => {
    for (const value of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) {
      expect(() => writeVarUint(new Uint8Array(16), 0, value), String(value)).toThrow(RangeError);
    }
  });
});
