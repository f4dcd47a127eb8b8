import { bool } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { badFrame, bitsOf, compile, writeAndRead } from './field-harness.js';

describe('bool()', () => {
  const field = compile(bool(), 'vehicle.boosting');

  it('round-trips both values in one bit', () => {
    for (const value of [true, false]) {
      const { code, bits } = writeAndRead(field, field.quantize(value));
      expect(bits).toBe(1);
      expect(field.dequantize(code)).toBe(value);
    }
    expect(field.equals(field.quantize(true), field.quantize(false))).toBe(false);
  });

  it('does not coerce other values', () => {
    for (const value of [1, 0, 'true', null, undefined]) {
      expect(() => field.quantize(value as unknown as boolean)).toThrow(TypeError);
    }
    expect(() => field.quantize(1 as unknown as boolean)).toThrow(
      'vehicle.boosting: expected a boolean, got number',
    );
  });

  it('reads every one-bit input, and fails cleanly on none', () => {
    expect(field.read(bitsOf((writer) => writer.writeBits(1, 1)))).toBe(1);
    expect(badFrame(() => field.read(bitsOf(() => {})))).toBe(
      'vehicle.boosting: needs 1 bits, the input has 0 left',
    );
    expect(() => writeAndRead(field, 2)).toThrow(RangeError);
  });
});
