import type { AnyEntityType, FieldNameOf, GroupNameOf, StateOf } from './entity.js';
import type { Field, FieldCode } from './field.js';
import { stateQuantizer } from './state-quantizer.js';
import { placeValue } from './state-shape.js';

/** One code per field, in the entity's field order: what baselines hold and change masks compare. */
export type EntityCodes = readonly FieldCode[];

/**
 * The state the simulation should run on: every field snapped to the value its code decodes to. Running
 * the simulation on it keeps server, prediction and replay in agreement, and snapping twice changes
 * nothing.
 */
export function quantizeState<Entity extends AnyEntityType>(
  entity: Entity,
  state: StateOf<Entity>,
): StateOf<Entity> {
  return codesToState(entity, stateToCodes(entity, state));
}

/** Quantizes every field; throws a TypeError or RangeError naming the field for a value with no code. */
export function stateToCodes<Entity extends AnyEntityType>(
  entity: Entity,
  state: StateOf<Entity>,
): EntityCodes {
  return stateQuantizer(entity).codes(state);
}

export function codesToState<Entity extends AnyEntityType>(
  entity: Entity,
  codes: EntityCodes,
): StateOf<Entity> {
  requireCodesOf(entity, codes);
  const state: Record<string, unknown> = {};
  // A loop, not `forEach`: the closure cost a context and a function per state read.
  // The paths as `entity()` made them, not `stateShape`: no lookup per state on a client's read path.
  const { fields, fieldNames, fieldPaths } = entity;
  for (let index = 0; index < fields.length; index++) {
    const value = (fields[index] as Field).dequantize(codes[index] as FieldCode);
    const path = fieldPaths?.[index];
    if (path !== undefined && path.length > 1) placeValue(state, path, value);
    else state[fieldNames[index] as string] = value;
  }
  return state as StateOf<Entity>;
}

/** Bit i is set when field i differs between the two: the per-field change bits of a delta. */
export function changeMask(entity: AnyEntityType, baseline: EntityCodes, current: EntityCodes): number {
  requireCodesOf(entity, baseline);
  requireCodesOf(entity, current);
  const fields = entity.fields;
  let mask = 0;
  for (let index = 0; index < fields.length; index++) {
    const before = baseline[index] as FieldCode;
    const now = current[index] as FieldCode;
    // The same code is equal to itself whatever the field: no call for the fields that did not change.
    if (before === now) continue;
    const field = fields[index] as (typeof fields)[number];
    if (field.equals(before, now)) continue;
    // Bit 31 would make `1 << index` negative: past bit 30, plain arithmetic.
    mask = index < 31 ? mask | (1 << index) : mask + 2 ** index;
  }
  return mask;
}

/** True when every field of the two is equal: `changeMask(...) === 0`, stopping at the first change. */
export function sameCodes(entity: AnyEntityType, baseline: EntityCodes, current: EntityCodes): boolean {
  if (baseline === current) return true;
  requireCodesOf(entity, baseline);
  requireCodesOf(entity, current);
  const fields = entity.fields;
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as (typeof fields)[number];
    if (!field.equals(baseline[index] as FieldCode, current[index] as FieldCode)) return false;
  }
  return true;
}

/**
 * The mask of the named fields, for sending some fields whether or not they changed. A group's path
 * (`'weapon'`) names all of its fields.
 */
export function fieldMask<Entity extends AnyEntityType>(
  entity: Entity,
  names: readonly (FieldNameOf<Entity> | GroupNameOf<Entity>)[],
): number {
  const indices = new Set<number>();
  for (const name of new Set<string>(names)) {
    const inGroup = `${name}.`;
    let named = false;
    entity.fieldNames.forEach((fieldName, index) => {
      if (fieldName !== name && !fieldName.startsWith(inGroup)) return;
      named = true;
      indices.add(index);
    });
    if (!named) throw new RangeError(`${entity.name}: no field or group named '${String(name)}'`);
  }
  // Plain arithmetic: bit 31 would make `1 << index` negative.
  let mask = 0;
  for (const index of indices) mask += 2 ** index;
  return mask;
}

export function requireCodesOf(entity: AnyEntityType, codes: EntityCodes): void {
  if (!Array.isArray(codes) || codes.length !== entity.fields.length) {
    throw new RangeError(`${entity.name}: expected ${entity.fields.length} field codes`);
  }
}

export function requireMaskOf(entity: AnyEntityType, mask: number): void {
  if (!Number.isInteger(mask) || mask < 0 || mask > entity.allFieldsMask) {
    throw new RangeError(`${entity.name}: ${mask} is not a mask of its ${entity.fields.length} fields`);
  }
}
