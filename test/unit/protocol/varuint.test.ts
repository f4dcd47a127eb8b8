import { ErrorCode, readVarUint, varUintLength, writeVarUint } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

describe('byte-aligned varuint', () => {
  it('round-trips across group boundaries with the predicted length', () => {
    for (const value of [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const buffer = new Uint8Array(10);
      const end = writeVarUint(buffer, 1, value);
      expect(end - 1).toBe(varUintLength(value));
      expect(readVarUint(buffer, 1)).toEqual({ value, next: end });
    }
  });

  it('encodes 300 as ac 02 (LEB128)', () => {
    const buffer = new Uint8Array(2);
    writeVarUint(buffer, 0, 300);
    expect([...buffer]).toEqual([0xac, 0x02]);
  });

  it('rejects truncated and overlong input with BAD_FRAME', () => {
    expect(() => readVarUint(Uint8Array.of(0x80), 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_FRAME }),
    );
    expect(() => readVarUint(new Uint8Array(9).fill(0xff), 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_FRAME }),
    );
    expect(() => writeVarUint(new Uint8Array(8), 0, -1)).toThrow(RangeError);
  });
});
