import type { AnyEntityType } from '../entity.js';
import { SchemaError } from '../schema-error.js';

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
  types.forEach((type, index) => {
    if (ids.has(type)) throw new SchemaError(type.name, 'registered twice');
    if (names.has(type.name)) throw new SchemaError(type.name, 'two registered types share this name');
    ids.set(type, index);
    names.add(type.name);
  });
  const list = Object.freeze([...types]);
  return Object.freeze({
    types: list,
    typeBits: 32 - Math.clz32(list.length - 1),
    relativeTypeIds: Object.freeze(list.flatMap((type, index) => (type.relative ? [index] : []))),
    typeId(type: AnyEntityType): number {
      const id = ids.get(type);
      if (id === undefined) throw new RangeError(`entity type '${type.name}' is not in this registry`);
      return id;
    },
  });
}
