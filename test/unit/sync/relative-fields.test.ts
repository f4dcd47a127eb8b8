import * as fc from 'fast-check';
import { BitReader, BitWriter } from 'vehikill-net/protocol';
import { angle, type FieldCode, float, int, type RelativeCodec, vec2 } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { badFrame, compile } from './field-harness.js';

/** Writes `code` relative to `baseline` between marker bits and reads it back against the same baseline. */
function relativeRoundTrip<Code extends FieldCode>(
  field: { readonly path: string; readonly relative?: RelativeCodec<Code> },
  code: Code,
  baseline: Code,
) {
  const relative = field.relative;
  if (relative === undefined) throw new Error(`${field.path} has no relative codec`);
  const writer = new BitWriter(1);
  writer.writeBits(0b101, 3);
  relative.write(writer, code, baseline);
  const bits = writer.bitLength - 3;
  writer.writeBits(1, 1);
  const reader = new BitReader(writer.finish());
  expect(reader.readBits(3)).toBe(0b101);
  const read = relative.read(reader, baseline);
  expect(reader.readBits(1)).toBe(1);
  expect(bits).toBe(relative.bitLength(code, baseline));
  return { read, bits };
}

describe('fields written relative to a baseline', () => {
  const position = compile(float({ min: 0, max: 1000, precision: 0.01 })); // 17 bits
  const heading = compile(angle({ bits: 10 }));
  const hp = compile(int({ min: 0, max: 100 })); // 7 bits

  it('round-trips every code against every baseline, exactly, in the bits it announces', () => {
    const maxPosition = 100_000;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: maxPosition }),
        fc.integer({ min: 0, max: maxPosition }),
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 0, max: 1023 }),
        (code, baseline, turn, turnBaseline) => {
          expect(relativeRoundTrip(position, code, baseline).read).toBe(code);
          expect(relativeRoundTrip(heading, turn, turnBaseline).read).toBe(turn);
        },
      ),
    );
  });

  it('costs a fraction of the field for a small move and two bits more than whole for a jump', () => {
    expect(relativeRoundTrip(position, 50_150, 50_000).bits).toBe(2 + 9); // zigzag 300 < 2^9
    expect(relativeRoundTrip(position, 50_003, 50_000).bits).toBe(2 + 5); // a quarter of 17, rounded up
    expect(relativeRoundTrip(position, 99_000, 1_000).bits).toBe(2 + 17);
    expect(relativeRoundTrip(hp, 49, 50).bits).toBe(2 + 2);
  });

  it('turns angles the short way round across ±π', () => {
    // Code 1023 is one step below zero; code 1 one step above: two steps apart, not 1022.
    expect(relativeRoundTrip(heading, 1, 1023)).toEqual({ read: 1, bits: 2 + 3 });
    expect(relativeRoundTrip(heading, 1023, 1)).toEqual({ read: 1023, bits: 2 + 3 });
  });

  it('writes vectors component by component', () => {
    const velocity = compile(vec2({ min: -50, max: 50, precision: 0.01 }));
    const { read } = relativeRoundTrip(velocity, [5_000, 9_999], [5_010, 0]);
    expect(read).toEqual([5_000, 9_999]);
  });

  it('leaves narrow fields without a relative codec: a width class would cost more than it saves', () => {
    expect(compile(int({ min: 0, max: 31 })).relative).toBeUndefined();
    expect(compile(angle({ bits: 5 })).relative).toBeUndefined();
  });

  it('reads a record that ends the input exactly, and refuses each one cut short as BAD_FRAME naming the field', () => {
    const relative = position.relative;
    if (relative === undefined) throw new Error('position has a relative codec');
    // One move of each width class (5, 9, 13 bits of difference) and a jump (the whole 17-bit code).
    for (const code of [50_003, 50_150, 52_000, 99_000]) {
      const bits = relative.bitLength(code, 50_000);
      for (let prefix = 0; prefix < 8; prefix++) {
        const writer = new BitWriter(1);
        writer.writeBits(0, prefix);
        relative.write(writer, code, 50_000);
        const bytes = writer.finish();
        const atEnd = (prefix + bits) % 8 === 0;
        const reader = new BitReader(bytes);
        reader.readBits(prefix);
        expect(relative.read(reader, 50_000)).toBe(code);
        if (atEnd) expect(reader.bitsRemaining).toBe(0);
        for (let length = Math.ceil(prefix / 8); length < bytes.length; length++) {
          const cut = new BitReader(bytes.subarray(0, length));
          cut.readBits(prefix);
          expect(badFrame(() => relative.read(cut, 50_000))).toMatch(
            /^thing\.field: needs \d+ bits, the input has \d+ left/,
          );
        }
      }
    }
  });

  it('refuses a difference that leads outside the field as BAD_FRAME', () => {
    const relative = hp.relative;
    if (relative === undefined) throw new Error('hp has a relative codec');
    const writer = new BitWriter(1);
    writer.writeBits(1, 2); // width class 1: ceil(7 / 2) = 4 bits
    writer.writeBits(14, 4); // zigzag 14: +7
    expect(badFrame(() => relative.read(new BitReader(writer.finish()), 98))).toMatch(/leaves the field/);
    expect(() => relative.write(new BitWriter(1), 101, 0)).toThrow(RangeError);
  });
});
