import { type EntityCodes, entity, type FieldCode, float } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../../../src/protocol/index.js';
import { ScalarRelativeCodec } from '../../../../src/sync/fields/relative.js';
import { TypeCoder } from '../../../../src/sync/snapshot/type-coder.js';
import { seededRandom } from '../../../../src/transport/simulated/seeded-random.js';
import { Mixed, maskOf, mixedState } from './mixed-states.js';

const random = seededRandom(5);
const state = (near?: EntityCodes) => mixedState(random, near);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

/**
 * What the field API writes for the masked fields: relative ones against `reference(index)` (the
 * baseline's code, or the prediction from it), the others whole; and the bits the relative ones take.
 */
function byFieldApi(
  codes: EntityCodes,
  mask: number,
  reference: ((index: number) => FieldCode) | undefined,
): { bytes: Uint8Array; relativeBits: number; plainBits: number } {
  const writer = new BitWriter();
  let relativeBits = 0;
  let plainBits = 0;
  Mixed.fields.forEach((field, index) => {
    if (((mask >>> index) & 1) === 0) return;
    const code = codes[index] as FieldCode;
    if (reference === undefined || field.relative === undefined) {
      field.write(writer, code);
      return;
    }
    const against = reference(index);
    field.relative.write(writer, code, against);
    relativeBits += field.relative.bitLength(code, against);
    plainBits += field.bitLength(code);
  });
  return { bytes: writer.finish(), relativeBits, plainBits };
}

// The change pass is generated code where allowed, the loop under a strict Content-Security-Policy:
// both are held to the field API by the same cases.
describe.each([
  ['generated', true],
  ['loop', false],
] as const)('TypeCoder (the delta path of shared bodies), %s change pass', (path, generate) => {
  const coder = new TypeCoder(Mixed, { generate });

  it(`runs the ${path} change pass`, () => {
    expect(coder.generated).toBe(generate);
  });

  it('finds the changed fields and sizes and writes them as the field API does, bit for bit', () => {
    for (let round = 0; round < 2000; round++) {
      const older = state();
      const before = state(older);
      const now = state(before);
      const mask = coder.changes(before, now);
      expect(mask).toBe(maskOf(before, now));
      const relative = byFieldApi(now, mask, (index) => before[index] as FieldCode);
      expect(coder.saved).toBe(relative.plainBits - relative.relativeBits);
      expect(coder.plainBits).toBe(relative.plainBits);

      let writer = new BitWriter();
      coder.writeFields(writer, now, mask, before);
      expect(writer.finish()).toEqual(relative.bytes);
      writer = new BitWriter();
      coder.writeFields(writer, now, mask, undefined);
      expect(writer.finish()).toEqual(byFieldApi(now, mask, undefined).bytes);

      // Against the motion from `older` (`span` ticks before the baseline) continued `ahead` ticks on: a
      // fraction of the interval, a whole number of intervals, and one interval.
      const [ahead, span] = pick([
        [2, 4],
        [3, 1],
        [1, 1],
      ] as const);
      const predicted = byFieldApi(now, mask, (index) => {
        const codec = Mixed.fields[index]?.relative;
        return codec?.predict(
          before[index] as FieldCode,
          older[index] as FieldCode,
          ahead,
          span,
        ) as FieldCode;
      });
      writer = new BitWriter();
      expect(coder.writeMotion(writer, now, mask, before, older, ahead, span)).toBe(predicted.relativeBits);
      expect(writer.finish()).toEqual(predicted.bytes);
      const stored = { references: [], packed: [], packedBits: [] };
      expect(coder.predictedBits(now, mask, before, older, ahead, span, stored, 3)).toBe(
        predicted.relativeBits,
      );
      writer = new BitWriter();
      coder.writePredicted(writer, now, mask, stored, 3);
      expect(writer.finish()).toEqual(predicted.bytes);
    }
  });

  it('refuses a code that is not the field’s with the field’s RangeError, in every write', () => {
    const before = state();
    const now = [...state(before)];
    const xAt = Mixed.fieldNames.indexOf('x');
    for (const bad of [-1, 0.5, 10_001, Number.NaN, '3']) {
      now[xAt] = bad as FieldCode;
      const mask = 1 << xAt;
      const older = state();
      const stored = { references: [], packed: [], packedBits: [] };
      coder.predictedBits(now, mask, before, older, 1, 1, stored, 0);
      const writes = [
        () => coder.writeFields(new BitWriter(), now, mask, before),
        () => coder.writeFields(new BitWriter(), now, mask, undefined),
        () => coder.writeMotion(new BitWriter(), now, mask, before, older, 1, 1),
        () => coder.writePredicted(new BitWriter(), now, mask, stored, 0),
      ];
      for (const write of writes) expect(write).toThrow(/mixed\.x: .* is not a code of this field/);
    }
  });

  it('sets bit 31 of the mask for the 32nd field', () => {
    const fields = Object.fromEntries(
      Array.from({ length: 32 }, (_, index) => [`f${index}`, float({ min: 0, max: 100, precision: 1 })]),
    );
    const wide = new TypeCoder(entity('wide', fields), { generate });
    const before = Array.from({ length: 32 }, () => 10);
    const now = [...before];
    now[31] = 11;
    now[0] = 11;
    expect(wide.changes(before, now)).toBe(2 ** 31 + 1);
    const writer = new BitWriter();
    wide.writeFields(writer, now, 2 ** 31 + 1, before);
    // Two relative fields one step up: class 0 (2 bits) and the zigzagged 1 in 2 bits, each.
    expect(writer.bitLength).toBe(8);
    // Against a prediction of no motion (the older codes equal the baseline's): the same two steps.
    const motion = new BitWriter();
    expect(wide.writeMotion(motion, now, 2 ** 31 + 1, before, before, 1, 1)).toBe(8);
    expect(motion.finish()).toEqual(writer.finish());
  });
});

describe('TypeCoder writeMotion, generated and loop', () => {
  it('writes the same bits and returns the same sizes on random states and tick spans', () => {
    const generated = new TypeCoder(Mixed, { generate: true });
    const loop = new TypeCoder(Mixed, { generate: false });
    expect([generated.generated, loop.generated]).toEqual([true, false]);
    for (let round = 0; round < 2000; round++) {
      const older = state();
      const before = state(older);
      const now = state(before);
      const mask = maskOf(before, now);
      const ahead = 1 + Math.floor(random() * 6);
      const span = 1 + Math.floor(random() * 6);
      const generatedWriter = new BitWriter();
      const loopWriter = new BitWriter();
      expect(generated.writeMotion(generatedWriter, now, mask, before, older, ahead, span)).toBe(
        loop.writeMotion(loopWriter, now, mask, before, older, ahead, span),
      );
      expect(generatedWriter.finish()).toEqual(loopWriter.finish());
    }
  });

  it('puts a difference on each side of every class limit in the class the field API does', () => {
    const generated = new TypeCoder(Mixed, { generate: true });
    const loop = new TypeCoder(Mixed, { generate: false });
    const base = state();
    let cases = 0;
    Mixed.fields.forEach((field, index) => {
      const codec = field.relative;
      if (!(codec instanceof ScalarRelativeCodec)) return;
      const { maxCode, wraps, limits } = codec.spec;
      const before = [...base];
      before[index] = Math.floor(maxCode / 2);
      // Unmoving (the older codes are the baseline's), so the prediction is the baseline: a step of d
      // zigzags to 2d, and one of -d to 2d - 1.
      for (const limit of limits) {
        for (const step of [limit / 2 - 1, limit / 2, -limit / 2, -limit / 2 - 1]) {
          const code = (before[index] as number) + step;
          if (!wraps && (code < 0 || code > maxCode)) continue;
          const now = [...before];
          now[index] = code;
          const mask = 2 ** index;
          const expected = byFieldApi(now, mask, (at) => before[at] as FieldCode);
          for (const coder of [generated, loop]) {
            const writer = new BitWriter();
            expect(coder.writeMotion(writer, now, mask, before, before, 1, 1)).toBe(expected.relativeBits);
            expect(writer.finish()).toEqual(expected.bytes);
          }
          cases++;
        }
      }
    });
    expect(cases).toBeGreaterThan(40);
  });
});
