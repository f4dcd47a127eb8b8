import type { BitReader, BitWriter } from '../protocol/index.js';
import type { AnyEntityType } from './entity.js';
import type { Field, FieldCode } from './field.js';
import { readBitsOf } from './fields/codes.js';
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
  // Loops rather than `forEach`/`map` here and below: a closure costs a context and a function per call.
  const fields = entity.fields;
  for (let index = 0; index < fields.length; index++) {
    (fields[index] as Field).write(writer, codes[index] as FieldCode);
  }
}

/** Throws a ProtocolError `BAD_FRAME` naming the field on truncated input or a code no field writes. */
export function readFullState(reader: BitReader, entity: AnyEntityType): EntityCodes {
  const fields = entity.fields;
  // Pushed, not made at their size: a packed array, as `map` made (a sized one stays holey for good).
  const codes: FieldCode[] = [];
  for (let index = 0; index < fields.length; index++) codes.push((fields[index] as Field).read(reader));
  return codes;
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
  const fields = entity.fields;
  writer.writeBits(mask, fields.length);
  for (let index = 0; index < fields.length; index++) {
    if (!hasBit(mask, index)) continue;
    const field = fields[index] as Field;
    const code = codes[index] as FieldCode;
    if (relativeTo !== undefined && field.relative !== undefined) {
      field.relative.write(writer, code, relativeTo[index] as FieldCode);
    } else {
      field.write(writer, code);
    }
  }
}

/** Reads a mask and the fields it names; the rest come from `baseline`. Errors as `readFullState`. */
export function readStateChanges(
  reader: BitReader,
  entity: AnyEntityType,
  baseline: EntityCodes,
  relative = false,
): EntityCodes {
  requireCodesOf(entity, baseline);
  const fields = entity.fields;
  const mask = readBitsOf(reader, fields.length, `${entity.name} change mask`);
  const codes: FieldCode[] = [];
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as Field;
    const base = baseline[index] as FieldCode;
    if (!hasBit(mask, index)) codes.push(base);
    else
      codes.push(
        relative && field.relative !== undefined ? field.relative.read(reader, base) : field.read(reader),
      );
  }
  return codes;
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
