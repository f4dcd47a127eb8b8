import type { BitReader, BitWriter } from '../protocol/index.js';
import type { AnyEntityType } from './entity.js';
import type { FieldCode } from './field.js';
import { readBitsOf } from './fields/codes.js';
import { ScalarRelativeCodec } from './fields/relative.js';
import { type EntityCodes, requireCodesOf, requireMaskOf } from './state-codes.js';

/*
 * The building blocks of snapshots. A full state is every field in order, with no mask: used when the
 * client has no baseline. Changes are a mask of `fields.length` bits, then the fields it names, in order;
 * the other fields are taken from the baseline the receiver holds. Whether an entity is in a snapshot at
 * all is the snapshot's business, so an entity sent with mask 0 means "present and unchanged".
 * Each field checks its code before writing it, so a code that is not the field's throws a RangeError; the
 * fields before it are written by then, so treat that writer as spoiled (it is a bug, not a wire fault).
 */

export function writeFullState(writer: BitWriter, entity: AnyEntityType, codes: EntityCodes): void {
  requireCodesOf(entity, codes);
  entity.fields.forEach((field, index) => {
    field.write(writer, codes[index] as FieldCode);
  });
}

/** Throws a ProtocolError `BAD_FRAME` naming the field on truncated input or a code no field writes. */
export function readFullState(reader: BitReader, entity: AnyEntityType): EntityCodes {
  return entity.fields.map((field) => field.read(reader));
}

/**
 * With `relativeTo` (the baseline the receiver holds), fields that have a relative codec are written
 * relative to the baseline's codes; the receiver must then read with the same baseline and `relative`.
 */
export function writeStateChanges(
  writer: BitWriter,
  entity: AnyEntityType,
  codes: EntityCodes,
  mask: number,
  relativeTo?: EntityCodes,
): void {
  requireCodesOf(entity, codes);
  requireMaskOf(entity, mask);
  if (relativeTo !== undefined) requireCodesOf(entity, relativeTo);
  writer.writeBits(mask, entity.fields.length);
  entity.fields.forEach((field, index) => {
    if (!hasBit(mask, index)) return;
    const code = codes[index] as FieldCode;
    if (relativeTo !== undefined && field.relative !== undefined) {
      field.relative.write(writer, code, relativeTo[index] as FieldCode);
    } else {
      field.write(writer, code);
    }
  });
}

/**
 * The fields of `writeStateChanges` without the mask before them (the caller writes it, or a snapshot
 * record repeats the previous one's), for a mask already made from these codes (by `changeMask`), without
 * the per-call checks and closures: the hot path of shared snapshot bodies, written once per changed
 * entity. The mask must fit the type's fields. Each field still checks its code, so a code that is not
 * the field's throws a RangeError.
 *
 * With `prediction` (as `relativeSavedBits` filled it from `offset` on), relative fields are written
 * against its predicted codes instead of the baseline's own, and scalar ones as it already worked them out.
 */
export function writeMaskedFields(
  writer: BitWriter,
  entity: AnyEntityType,
  codes: EntityCodes,
  mask: number,
  relativeTo: EntityCodes | undefined,
  prediction?: Prediction,
  offset = 0,
): void {
  const fields = entity.fields;
  // Masks are at most 32 bits (a type has at most 32 fields), so the shifts below hold.
  let rest = mask >>> 0;
  for (let index = 0; rest !== 0; index++, rest >>>= 1) {
    if ((rest & 1) === 0) continue;
    const field = fields[index] as (typeof fields)[number];
    const code = codes[index] as FieldCode;
    const relative = field.relative;
    if (relativeTo === undefined || relative === undefined) {
      field.write(writer, code);
      continue;
    }
    if (prediction === undefined) {
      relative.write(writer, code, relativeTo[index] as FieldCode);
      continue;
    }
    const at = offset + index;
    const bits = prediction.packedBits[at] as number;
    if (bits > 0) writer.writeBits(prediction.packed[at] as number, bits);
    else relative.write(writer, code, prediction.references[at] as FieldCode);
  }
}

/**
 * Bits that writing the masked fields relative to `baseline` saves over writing them plain (negative when
 * it costs more): `stateChangesBits` without, minus with, in one pass. With `prediction`, relative to the
 * prediction instead (`RelativeCodec.predict` of the baseline and `older`, the codes `span` ticks before
 * it, `ahead` ticks on), which it stores for each masked relative field at `references[offset + field
 * index]`, and for scalar fields what their write puts down (`packed`, `packedBits`; 0 bits: not worked
 * out): computed once, for the size and then for `writeMaskedFields`.
 */
export function relativeSavedBits(
  entity: AnyEntityType,
  codes: EntityCodes,
  mask: number,
  baseline: EntityCodes,
  prediction?: Prediction,
): number {
  const fields = entity.fields;
  let saved = 0;
  let rest = mask >>> 0;
  for (let index = 0; rest !== 0; index++, rest >>>= 1) {
    if ((rest & 1) === 0) continue;
    const field = fields[index] as (typeof fields)[number];
    const relative = field.relative;
    if (relative === undefined) continue;
    const code = codes[index] as FieldCode;
    const reference = baseline[index] as FieldCode;
    if (prediction === undefined) {
      saved += field.bitLength(code) - relative.bitLength(code, reference);
      continue;
    }
    const { older, ahead, span, offset } = prediction;
    const predicted = relative.predict(reference, older[index] as FieldCode, ahead, span);
    const at = offset + index;
    prediction.references[at] = predicted;
    let bits: number;
    if (relative instanceof ScalarRelativeCodec) {
      // A scalar codec's codes are numbers.
      const packed = relative.packed(code as number, predicted as number);
      bits = relative.packedBits(packed);
      // A full code is left to `write`, which checks and writes it in two parts.
      prediction.packed[at] = packed;
      prediction.packedBits[at] = packed < 0 ? 0 : bits;
    } else {
      bits = relative.bitLength(code, predicted);
      prediction.packedBits[at] = 0;
    }
    saved += field.bitLength(code) - bits;
  }
  return saved;
}

/** What `relativeSavedBits` predicts from, and where it keeps the predicted references. */
export interface Prediction {
  older: EntityCodes;
  ahead: number;
  span: number;
  references: FieldCode[];
  /** Per masked scalar relative field (at the same index as its reference): its write, worked out. */
  packed: number[];
  /** The bits of each `packed` value; 0 where none was worked out (a full code, a vector). */
  packedBits: number[];
  offset: number;
}

/** Reads a mask and the fields it names; the rest come from `baseline`. Errors as `readFullState`. */
export function readStateChanges(
  reader: BitReader,
  entity: AnyEntityType,
  baseline: EntityCodes,
  relative = false,
): EntityCodes {
  requireCodesOf(entity, baseline);
  const mask = readBitsOf(reader, entity.fields.length, `${entity.name} change mask`);
  return entity.fields.map((field, index) => {
    const base = baseline[index] as FieldCode;
    if (!hasBit(mask, index)) return base;
    return relative && field.relative !== undefined ? field.relative.read(reader, base) : field.read(reader);
  });
}

/** Exact bits `writeFullState` spends, for fitting a packet to its byte budget before writing it. */
export function fullStateBits(entity: AnyEntityType, codes: EntityCodes): number {
  requireCodesOf(entity, codes);
  return entity.fields.reduce((sum, field, index) => sum + field.bitLength(codes[index] as FieldCode), 0);
}

/** Exact bits `writeStateChanges` spends, mask included. */
export function stateChangesBits(
  entity: AnyEntityType,
  codes: EntityCodes,
  mask: number,
  relativeTo?: EntityCodes,
): number {
  requireCodesOf(entity, codes);
  requireMaskOf(entity, mask);
  if (relativeTo !== undefined) requireCodesOf(entity, relativeTo);
  return entity.fields.reduce((sum, field, index) => {
    if (!hasBit(mask, index)) return sum;
    const code = codes[index] as FieldCode;
    return relativeTo !== undefined && field.relative !== undefined
      ? sum + field.relative.bitLength(code, relativeTo[index] as FieldCode)
      : sum + field.bitLength(code);
  }, entity.fields.length);
}

function hasBit(mask: number, index: number): boolean {
  // Masks are at most 32 bits (one writeBits call); shifts only hold for those.
  if (index < 32 && mask >>> 0 === mask) return ((mask >>> index) & 1) === 1;
  return Math.floor(mask / 2 ** index) % 2 === 1;
}
