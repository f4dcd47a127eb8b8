import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../../../src/protocol/bits.js';
import { patchBits } from '../../../../src/sync/snapshot/shared-body.js';

/** Bytes written by a BitWriter: `before` bits of ones, `value` in `count` bits, then ones to 48 bits. */
function written(before: number, value: number, count: number): Uint8Array {
  const writer = new BitWriter(16);
  for (let bit = 0; bit < before; bit++) writer.writeBits(1, 1);
  writer.writeBits(value, count);
  for (let bit = before + count; bit < 48; bit++) writer.writeBits(1, 1);
  return writer.finish();
}

describe('patchBits (the per-client header fields of a shared body)', () => {
  it('writes exactly what a BitWriter writes there, at every bit offset and width, and nothing around it', () => {
    const values = [0, 1, 0x2a, 0xdeadbeef, 0xffffffff, 0x80000000, 0x7fffffff];
    for (let offset = 0; offset < 16; offset++) {
      for (let count = 1; count <= 32; count++) {
        for (const full of values) {
          const value = count === 32 ? full : full % 2 ** count;
          // Patched over zeros where the field goes, ones around it: each must come out as written.
          const bytes = written(offset, 0, count);
          patchBits(bytes, offset, value, count);
          expect(bytes, `offset ${offset}, ${count} bits, ${value}`).toEqual(written(offset, value, count));
          // And over ones: a patch clears the bits it owns.
          const over = written(offset, count === 32 ? 0xffffffff : 2 ** count - 1, count);
          patchBits(over, offset, value, count);
          expect(over, `over ones: offset ${offset}, ${count} bits, ${value}`).toEqual(
            written(offset, value, count),
          );
        }
      }
    }
  });
});
