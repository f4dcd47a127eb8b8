import type { Field, FieldCode, FieldDeclaration, FieldOf } from './field.js';
import { SchemaError } from './schema-error.js';

/**
 * An entity's fields by name. A value is a field declaration (`float()`, `int()`...) or, for a group of
 * fields kept together in the state (`weapon: { ammo: int(...), kind: enumOf([...]) }`), an object of
 * declarations in turn: the nested schema of other libraries, flattened on the wire (see `entity`).
 */
export interface FieldDeclarations {
  readonly [name: string]: FieldDeclaration | FieldDeclarations;
}

/** A change mask is one 32-bit integer: bit i stands for `fields[i]`. Fields in groups count one each. */
export const MAX_ENTITY_FIELDS = 32;

const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * How many fields `entity()` counts before it stops walking: one group used twice in each of its
 * groups, level after level, doubles the fields with each level, so a refused type is refused at once.
 */
const FIELDS_COUNTED = 1024;

/** What every entity type has whatever its fields: the state codec works on this. */
export interface AnyEntityType {
  readonly name: string;
  /**
   * Every field's name in declaration order, which is the order on the wire: bit i of a change mask stands
   * for field i. A field in a group is named by its path, `weapon.ammo` (names are identifiers, so a `.`
   * always means a group), and a group's fields come in its declaration order where the group stands.
   */
  readonly fieldNames: readonly string[];
  /**
   * Per field, the names from the state object down to it: `['weapon', 'ammo']` for `weapon.ammo`. Set by
   * `entity()`; a type without it reads every field at the top of the state by its whole name.
   */
  readonly fieldPaths?: readonly (readonly string[])[];
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
  readonly fieldNames: readonly FieldPathOf<Fields>[];
  /** The compiled fields by name (a group's by path: `field['weapon.ammo']`), to quantize one on its own. */
  readonly field: { readonly [Path in FieldPathOf<Fields>]: FieldOf<DeclarationAt<Fields, Path>> };
}

/** The state object of a group of declarations: each field's value, each group's object in turn. */
export type StateOfFields<Fields> = {
  [Name in keyof Fields]: Fields[Name] extends FieldDeclaration<infer Value, FieldCode>
    ? Value
    : StateOfFields<Fields[Name]>;
};

/**
 * The plain state object of an entity type: `{ x: number; heading: number; name: string; ... }`, with an
 * object for each group (`weapon: { ammo: number; kind: 'gun' | 'rocket' }`).
 */
export type StateOf<Entity> = Entity extends EntityType<infer Fields> ? StateOfFields<Fields> : never;

/**
 * Every field's name, a group's fields by their dotted path: `'x' | 'weapon.ammo' | 'weapon.kind'`; any
 * string for declarations not known (`EntityType` with its default `FieldDeclarations`).
 */
export type FieldPathOf<Fields> = string extends keyof Fields
  ? string
  : {
      [Name in keyof Fields & string]: Fields[Name] extends FieldDeclaration
        ? Name
        : `${Name}.${FieldPathOf<Fields[Name]>}`;
    }[keyof Fields & string];

/** Every group's path: `'weapon'`, and `'weapon.mount'` for a group inside it; any string when not known. */
export type GroupPathOf<Fields> = string extends keyof Fields
  ? string
  : {
      [Name in keyof Fields & string]: Fields[Name] extends FieldDeclaration
        ? never
        : Name | `${Name}.${GroupPathOf<Fields[Name]>}`;
    }[keyof Fields & string];

/** The declaration a field path names (any declaration when the declarations are not known). */
export type DeclarationAt<Fields, Path> = string extends keyof Fields
  ? FieldDeclaration
  : Path extends `${infer Head}.${infer Rest}`
    ? Head extends keyof Fields
      ? DeclarationAt<Fields[Head], Rest>
      : never
    : Path extends keyof Fields
      ? Fields[Path]
      : never;

/** A field's name as `changed` lists and `fieldMask` takes it: `'x'`, `'weapon.ammo'`. */
export type FieldNameOf<Entity> = Entity extends EntityType<infer Fields> ? FieldPathOf<Fields> : never;

/** A group's path, which `fieldMask` takes for all of the group's fields. */
export type GroupNameOf<Entity> = Entity extends EntityType<infer Fields> ? GroupPathOf<Fields> : never;

/**
 * Declares an entity type. Every field is checked here, so a bad declaration throws a SchemaError naming
 * it (`vehicle.x: float range is empty: ...`) when the module loads, not at the first snapshot. Fields
 * keep their declaration order on the wire: add new ones at the end, never reorder.
 *
 * A group (an object of declarations where a field would be) is flattened: its fields take their place in
 * the order, each with its own change bit, and are written exactly as the same fields declared one by one
 * would be; only the state object nests them. So a group costs nothing on the wire, a change to one of
 * its fields sends that field alone, and the 32 fields of a change mask count a group's fields one each.
 */
export function entity<Fields extends FieldDeclarations>(name: string, fields: Fields): EntityType<Fields> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SchemaError(String(name), 'an entity type needs a non-empty name');
  }
  if (typeof fields !== 'object' || fields === null) {
    throw new SchemaError(name, 'entity() needs an object of field declarations');
  }
  const leaves: { path: readonly string[]; declaration: FieldDeclaration }[] = [];
  collectFields(name, [], fields, new Set(), leaves);
  if (leaves.length > MAX_ENTITY_FIELDS) {
    const count = leaves.length > FIELDS_COUNTED ? `more than ${FIELDS_COUNTED}` : String(leaves.length);
    throw new SchemaError(
      name,
      `${count} fields (a group's fields count one each), at most ${MAX_ENTITY_FIELDS} fit one change mask; split the type`,
    );
  }
  const byName: Record<string, Field> = {};
  const fieldNames = leaves.map((leaf) => leaf.path.join('.')) as FieldPathOf<Fields>[];
  const compiled = leaves.map(({ declaration }, index) => {
    const fieldName = fieldNames[index] as string;
    const field = declaration.compile(`${name}.${fieldName}`);
    byName[fieldName] = field;
    return field;
  });
  return Object.freeze({
    name,
    declarations: fields,
    fieldNames: Object.freeze(fieldNames),
    fieldPaths: Object.freeze(leaves.map((leaf) => Object.freeze(leaf.path))),
    fields: Object.freeze(compiled),
    field: Object.freeze(byName) as EntityType<Fields>['field'],
    allFieldsMask: 2 ** compiled.length - 1,
    maxBits: compiled.reduce((sum, field) => sum + field.bits, 0),
    relative: compiled.some((field) => field.relative !== undefined),
  });
}

/**
 * Appends the declarations of `group` (the entity's fields, or a group in them at `prefix`) to `leaves`,
 * depth first in declaration order, each with its dotted path. `open` holds the groups being walked: an
 * object that contains itself would otherwise recurse until the stack ran out.
 */
function collectFields(
  entityName: string,
  prefix: readonly string[],
  group: object,
  open: Set<object>,
  leaves: { path: readonly string[]; declaration: FieldDeclaration }[],
): void {
  const names = Object.keys(group);
  if (names.length === 0) {
    const where = [entityName, ...prefix].join('.');
    const what = prefix.length === 0 ? 'an entity type' : 'a group';
    throw new SchemaError(where, `${what} needs at least one field`);
  }
  open.add(group);
  for (const fieldName of names) {
    const path = [...prefix, fieldName];
    const at = `${entityName}.${path.join('.')}`;
    if (!FIELD_NAME.test(fieldName) || fieldName === '__proto__') {
      throw new SchemaError(at, 'a field name must be an identifier (letters, digits, _ and $)');
    }
    const declaration: unknown = (group as Record<string, unknown>)[fieldName];
    if (isDeclaration(declaration)) {
      leaves.push({ path, declaration });
      if (leaves.length > FIELDS_COUNTED) return;
      continue;
    }
    // Options given without their declaration (`hp: { min: 0, max: 100 }`) are named as the field at fault,
    // not as a group with a bad `min`.
    const optionsAlone =
      isPlainObject(declaration) &&
      Object.keys(declaration).length > 0 &&
      !Object.values(declaration).some(isFieldOrGroup);
    if (!isPlainObject(declaration) || optionsAlone) {
      throw new SchemaError(
        at,
        'is not a field declaration: use int(), float(), angle(), string()..., or an object of them for a group',
      );
    }
    // Every object has these (`constructor`, `toString`...): a state built with such a group would find the
    // inherited value where the group's object goes.
    if (fieldName in Object.prototype) {
      throw new SchemaError(at, `a group cannot be named '${fieldName}', a property every object has`);
    }
    if (open.has(declaration)) throw new SchemaError(at, 'a group cannot contain itself');
    collectFields(entityName, path, declaration, open, leaves);
    if (leaves.length > FIELDS_COUNTED) return;
  }
  open.delete(group);
}

/** An object literal (or one made with a null prototype): what a group is written as. */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isFieldOrGroup(value: unknown): boolean {
  return isDeclaration(value) || isPlainObject(value);
}

function isDeclaration(value: unknown): value is FieldDeclaration {
  return (
    typeof value === 'object' && value !== null && typeof (value as FieldDeclaration).compile === 'function'
  );
}
