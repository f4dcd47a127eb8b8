import * as fc from 'fast-check';
import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  changeMask,
  type EntityCodes,
  entity,
  enumOf,
  type FieldDeclaration,
  float,
  fullStateBits,
  int,
  quantizeState,
  quaternion,
  readFullState,
  readStateChanges,
  stateChangesBits,
  stateToCodes,
  string,
  vec3,
  writeFullState,
  writeStateChanges,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const unit = fc.double({ min: -1, max: 1, noNaN: true });
const anyNumber = fc.double({ noNaN: true });

/** One entry per field type: a declaration and values for it (strings kept within their 16 bytes). */
const pool: Record<string, { declaration: FieldDeclaration; values: fc.Arbitrary<unknown> }> = {
  float: { declaration: float({ min: -1000, max: 1000, precision: 0.01 }), values: anyNumber },
  angle: { declaration: angle({ bits: 10 }), values: fc.double({ min: -20, max: 20, noNaN: true }) },
  int: { declaration: int({ min: -5, max: 100 }), values: fc.integer({ min: -10, max: 110 }) },
  bool: { declaration: bool(), values: fc.boolean() },
  enum: {
    declaration: enumOf(['idle', 'driving', 'boosting', 'wrecked', 'gone']),
    values: fc.constantFrom('idle', 'gone'),
  },
  vec3: {
    declaration: vec3({ min: -500, max: 500, precision: 1 / 64 }),
    values: fc.record({ x: anyNumber, y: anyNumber, z: anyNumber }),
  },
  quaternion: {
    declaration: quaternion({ bits: 9 }),
    values: fc
      .record({ x: unit, y: unit, z: unit, w: unit })
      .filter(({ x, y, z, w }) => x * x + y * y + z * z + w * w > 1e-6),
  },
  string: { declaration: string({ maxLength: 16 }), values: fc.string({ unit: 'binary', maxLength: 4 }) },
};

/** A random entity type of 1..32 fields, with a baseline state and a current one sharing some values. */
const entityCase = fc
  .array(fc.constantFrom(...Object.keys(pool)), { minLength: 1, maxLength: 32 })
  .chain((kinds) => {
    const names = kinds.map((kind, index) => `${kind}${index}`);
    const type = entity(
      'random',
      Object.fromEntries(names.map((name, index) => [name, pool[kinds[index]!]!.declaration])),
    );
    const state = () =>
      fc
        .tuple(...kinds.map((kind) => pool[kind]!.values))
        .map((values) => Object.fromEntries(names.map((name, index) => [name, values[index]])));
    return fc
      .tuple(state(), state(), fc.array(fc.boolean(), { minLength: kinds.length, maxLength: kinds.length }))
      .map(([baseline, fresh, keep]) => ({
        type,
        baseline,
        current: Object.fromEntries(
          names.map((name, index) => [name, keep[index] ? baseline[name] : fresh[name]]),
        ),
      }));
  });

function failsCleanly(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
  }
}

describe('entity states, random types and values', () => {
  it('quantizeState is idempotent', () => {
    fc.assert(
      fc.property(entityCase, ({ type, current }) => {
        const snapped = quantizeState(type, current);
        expect(quantizeState(type, snapped)).toEqual(snapped);
        expect(stateToCodes(type, snapped)).toEqual(stateToCodes(type, current));
      }),
      { numRuns: 300 },
    );
  });

  it('a full state reads back as written, in the bits fullStateBits counts', () => {
    fc.assert(
      fc.property(entityCase, ({ type, current }) => {
        const codes = stateToCodes(type, current);
        const writer = new BitWriter();
        writeFullState(writer, type, codes);
        expect(writer.bitLength).toBe(fullStateBits(type, codes));
        expect(writer.bitLength).toBeLessThanOrEqual(type.maxBits);
        const reader = new BitReader(writer.finish());
        expect(readFullState(reader, type)).toEqual(codes);
        expect(reader.bitsRemaining).toBeLessThan(8);
      }),
      { numRuns: 300 },
    );
  });

  it('changes against a baseline rebuild the current state, and carry only what changed', () => {
    fc.assert(
      fc.property(entityCase, ({ type, baseline, current }) => {
        const before = stateToCodes(type, baseline);
        const after = stateToCodes(type, current);
        const mask = changeMask(type, before, after);
        type.fields.forEach((field, index) => {
          const changed = Math.floor(mask / 2 ** index) % 2 === 1;
          expect(changed).toBe(!field.equals(before[index]!, after[index]!));
        });
        const writer = new BitWriter();
        writeStateChanges(writer, type, after, mask);
        expect(writer.bitLength).toBe(stateChangesBits(type, after, mask));
        expect(readStateChanges(new BitReader(writer.finish()), type, before)).toEqual(after);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes decode or throw BAD_FRAME, never anything else', () => {
    fc.assert(
      fc.property(entityCase, fc.uint8Array({ maxLength: 64 }), ({ type, baseline }, bytes) => {
        const before: EntityCodes = stateToCodes(type, baseline);
        failsCleanly(() => readFullState(new BitReader(bytes), type));
        failsCleanly(() => readStateChanges(new BitReader(bytes), type, before));
      }),
      { numRuns: 600 },
    );
  });
});
