import type { AnyEntityType } from './entity.js';
import { perType } from './per-type.js';

/** A group in a state object: where its object is read from. */
export interface GroupPlace {
  /** The group it sits in (an index into `StateShape.groups`), or -1 for the state object itself. */
  readonly parent: number;
  readonly name: string;
  /** Its dotted path, as errors name it: `weapon.mount`. */
  readonly path: string;
}

/**
 * Where each field's value sits in a state object: at the top, or in a group (`weapon.ammo` in
 * `state.weapon`). The codecs work on flat arrays of codes; only reading a state and building one see this.
 */
export interface StateShape {
  /** Some field sits in a group: the state nests objects, and field values are reached by path. */
  readonly grouped: boolean;
  /** Per field, in field order: the names from the state object down to the field's own. */
  readonly paths: readonly (readonly string[])[];
  /** The groups, each after the group it sits in. */
  readonly groups: readonly GroupPlace[];
  /** Per field: the group it sits in directly (an index into `groups`), or -1 at the top. */
  readonly groupOf: readonly number[];
}

/** The type's shape, from its `fieldPaths` (a type without them has every field at the top, by its name). */
export const stateShape = perType((type): StateShape => {
  const paths = type.fieldPaths ?? type.fieldNames.map((name) => Object.freeze([name]));
  const groups: GroupPlace[] = [];
  const ids = new Map<string, number>();
  const groupOf = paths.map((path) => {
    let id = -1;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const groupPath = path.slice(0, depth + 1).join('.');
      let known = ids.get(groupPath);
      if (known === undefined) {
        known = groups.push({ parent: id, name: path[depth] as string, path: groupPath }) - 1;
        ids.set(groupPath, known);
      }
      id = known;
    }
    return id;
  });
  return { grouped: groups.length > 0, paths, groups, groupOf };
});

/**
 * The TypeError for a group's place in a state holding no object: `vehicle.weapon: expected an object of the
 * group's fields, got undefined`. The same words whichever quantizer path found it.
 */
export function groupNotObject(type: AnyEntityType, groupPath: string, value: unknown): TypeError {
  const got = value === null ? 'null' : typeof value;
  return new TypeError(`${type.name}.${groupPath}: expected an object of the group's fields, got ${got}`);
}

/**
 * Reads one grouped state's field values in field order, as the generated quantizer does: each group's
 * object read once, when its first field is, and checked then (a group that is not an object throws
 * `groupNotObject`; an array is an object here, and its missing fields fail as the fields' own values would).
 * So a state with getters is read alike on both paths. One per state read: a getter may quantize another.
 */
export class GroupedReader {
  readonly #type: AnyEntityType;
  readonly #shape: StateShape;
  readonly #state: Record<string, unknown>;
  readonly #objects: (Record<string, unknown> | undefined)[];

  constructor(type: AnyEntityType, shape: StateShape, state: Record<string, unknown>) {
    this.#type = type;
    this.#shape = shape;
    this.#state = state;
    this.#objects = new Array(shape.groups.length).fill(undefined);
  }

  value(index: number): unknown {
    const path = this.#shape.paths[index] as readonly string[];
    const group = this.#shape.groupOf[index] as number;
    return this.#holder(group)[path[path.length - 1] as string];
  }

  #holder(group: number): Record<string, unknown> {
    if (group < 0) return this.#state;
    const read = this.#objects[group];
    if (read !== undefined) return read;
    const place = this.#shape.groups[group] as GroupPlace;
    const value = this.#holder(place.parent)[place.name];
    if (typeof value !== 'object' || value === null) throw groupNotObject(this.#type, place.path, value);
    this.#objects[group] = value as Record<string, unknown>;
    return value as Record<string, unknown>;
  }
}

/** Puts `value` at `path` in a state being built, making the groups' objects on the way. */
export function placeValue(state: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let holder = state;
  const last = path.length - 1;
  for (let depth = 0; depth < last; depth++) {
    const name = path[depth] as string;
    // Own properties only: `entity()` refuses group names every object inherits, and this keeps it so.
    let next = Object.hasOwn(holder, name) ? (holder[name] as Record<string, unknown>) : undefined;
    if (next === undefined) {
      next = {};
      holder[name] = next;
    }
    holder = next;
  }
  holder[path[last] as string] = value;
}
