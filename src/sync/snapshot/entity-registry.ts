import type { AnyEntityType } from '../entity.js';
import type { Field } from '../field.js';
import { SchemaError } from '../schema-error.js';
import { wireDescription } from '../wire-description.js';
import { hashCodes } from './codes-hash.js';

/**
 * The entity types a snapshot can carry. A type's id is its index here, written in `typeBits` bits when an
 * entity is created, so the list is part of the wire format: add types at the end, never reorder.
 */
export interface EntityRegistry {
  readonly types: readonly AnyEntityType[];
  /** Bits of a type id: ceil(log2(types.length)), 0 for a single type. */
  readonly typeBits: number;
  /** Ids of the types with relative fields: a snapshot header says for each whether its deltas use them. */
  readonly relativeTypeIds: readonly number[];
  /**
   * A hash of the list as the wire reads it (type names in order; each field's name, kind, bits and
   * what its codes mean), 32 bits. A snapshot that names no acked snapshot (a client's first, or after a
   * resync) carries it, so a client whose types are not the server's (another order, a field or type
   * added, a range changed: a page from an older build) applies nothing and can say why.
   */
  readonly fingerprint: number;
  /** The type's id; throws a RangeError for a type not registered (a bug, not a wire fault). */
  typeId(type: AnyEntityType): number;
}

export const MAX_ENTITY_TYPES = 1024;

export function entityRegistry(types: readonly AnyEntityType[]): EntityRegistry {
  if (!Array.isArray(types) || types.length === 0) {
    throw new SchemaError('entityRegistry', 'needs at least one entity type');
  }
  if (types.length > MAX_ENTITY_TYPES) {
    throw new SchemaError('entityRegistry', `${types.length} types, at most ${MAX_ENTITY_TYPES}`);
  }
  const ids = new Map<AnyEntityType, number>();
  const names = new Set<string>();
  // A loop over indices, not `forEach`: that skips holes, which then failed as undefined types later.
  for (let index = 0; index < types.length; index++) {
    const type = types[index];
    if (!isEntityType(type)) {
      throw new SchemaError(
        'entityRegistry',
        `the type at index ${index} is not an entity type (${type === null ? 'null' : typeof type})`,
      );
    }
    if (ids.has(type)) throw new SchemaError(type.name, 'registered twice');
    if (names.has(type.name)) throw new SchemaError(type.name, 'two registered types share this name');
    ids.set(type, index);
    names.add(type.name);
  }
  const list = Object.freeze([...types]);
  return Object.freeze({
    types: list,
    typeBits: 32 - Math.clz32(list.length - 1),
    relativeTypeIds: Object.freeze(list.flatMap((type, index) => (type.relative ? [index] : []))),
    fingerprint: fingerprintOf(list),
    typeId(type: AnyEntityType): number {
      const id = ids.get(type);
      if (id === undefined) throw new RangeError(`entity type '${type.name}' is not in this registry`);
      return id;
    },
  });
}

/**
 * What `entity()` returns, as far as the registry reads it: an undefined type (a missing export, a typo in
 * plain JavaScript) threw "Cannot read properties of undefined" from deep inside.
 */
function isEntityType(value: unknown): value is AnyEntityType {
  if (typeof value !== 'object' || value === null) return false;
  const type = value as Partial<AnyEntityType>;
  return typeof type.name === 'string' && Array.isArray(type.fields) && Array.isArray(type.fieldNames);
}

function fingerprintOf(types: readonly AnyEntityType[]): number {
  const text = types.map((type) => `${type.name}{${type.fields.map(describeField).join(',')}}`).join(';');
  return hashCodes([text]) >>> 0;
}

/** The field as the wire reads it: where it sits, what a code of it is and how it is written. */
function describeField(field: Field): string {
  return `${field.path} ${wireDescription(field)}`;
}
