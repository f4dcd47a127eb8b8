import type { Field, FieldDeclaration, FieldOf, ValueOf } from './field.js';
import { SchemaError } from './schema-error.js';

export type FieldDeclarations = Readonly<Record<string, FieldDeclaration>>;

/** A change mask is one 32-bit integer: bit i stands for `fields[i]`. */
export const MAX_ENTITY_FIELDS = 32;

const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** What every entity type has whatever its fields: the state codec works on this. */
export interface AnyEntityType {
  readonly name: string;
  /** Declaration order, which is the order on the wire: bit i of a change mask stands for field i. */
  readonly fieldNames: readonly string[];
  /** The compiled fields, in `fieldNames` order. */
  readonly fields: readonly Field[];
  readonly allFieldsMask: number;
  /** Bits of a full state at its largest (strings at `maxLength`), change mask not included. */
  readonly maxBits: number;
  /** Some field can be written relative to a baseline's code (see `writeStateChanges`). */
  readonly relative: boolean;
}

export interface EntityType<Fields extends FieldDeclarations = FieldDeclarations> extends AnyEntityType {
  /** The declarations as given; `StateOf` reads the value types from them. */
  readonly declarations: Fields;
  readonly fieldNames: readonly (keyof Fields & string)[];
  /** The compiled fields by name, for quantizing or encoding one field on its own. */
  readonly field: { readonly [Name in keyof Fields]: FieldOf<Fields[Name]> };
}

/** The plain state object of an entity type: `{ x: number; heading: number; name: string; ... }`. */
export type StateOf<Entity> =
  Entity extends EntityType<infer Fields> ? { [Name in keyof Fields]: ValueOf<Fields[Name]> } : never;

export type FieldNameOf<Entity> = Entity extends EntityType<infer Fields> ? keyof Fields & string : never;

/**
 * Declares an entity type. Every field is checked here, so a bad declaration throws a SchemaError naming
 * it (`vehicle.x: float range is empty: ...`) when the module loads, not at the first snapshot. Fields
 * keep their declaration order on the wire: add new ones at the end, never reorder.
 */
export function entity<Fields extends FieldDeclarations>(name: string, fields: Fields): EntityType<Fields> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SchemaError(String(name), 'an entity type needs a non-empty name');
  }
  if (typeof fields !== 'object' || fields === null) {
    throw new SchemaError(name, 'entity() needs an object of field declarations');
  }
  const fieldNames = Object.keys(fields) as (keyof Fields & string)[];
  if (fieldNames.length === 0) throw new SchemaError(name, 'an entity type needs at least one field');
  if (fieldNames.length > MAX_ENTITY_FIELDS) {
    throw new SchemaError(
      name,
      `${fieldNames.length} fields, at most ${MAX_ENTITY_FIELDS} fit one change mask; split the type`,
    );
  }
  const byName: Record<string, Field> = {};
  const compiled = fieldNames.map((fieldName) => {
    const path = `${name}.${fieldName}`;
    if (!FIELD_NAME.test(fieldName) || fieldName === '__proto__') {
      throw new SchemaError(path, 'a field name must be an identifier (letters, digits, _ and $)');
    }
    const declaration: unknown = fields[fieldName];
    if (!isDeclaration(declaration)) {
      throw new SchemaError(path, 'is not a field declaration: use int(), float(), angle(), string()...');
    }
    const field = declaration.compile(path);
    byName[fieldName] = field;
    return field;
  });
  return Object.freeze({
    name,
    declarations: fields,
    fieldNames: Object.freeze(fieldNames),
    fields: Object.freeze(compiled),
    field: Object.freeze(byName) as EntityType<Fields>['field'],
    allFieldsMask: 2 ** compiled.length - 1,
    maxBits: compiled.reduce((sum, field) => sum + field.bits, 0),
    relative: compiled.some((field) => field.relative !== undefined),
  });
}

function isDeclaration(value: unknown): value is FieldDeclaration {
  return (
    typeof value === 'object' && value !== null && typeof (value as FieldDeclaration).compile === 'function'
  );
}
