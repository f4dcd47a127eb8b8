import type { AnyEntityType } from './entity.js';
import { perType } from './per-type.js';

/**
 * Where each field's value sits in a state object: at the top, or in a group (`weapon.ammo` in
 * `state.weapon`). The codecs work on flat arrays of codes; only reading a state and building one see this.
 */
export interface StateShape {
  /** Some field sits in a group: the state nests objects, and field values are reached by path. */
  readonly grouped: boolean;
  /** Per field, in field order: the names from the state object down to the field's own. */
  readonly paths: readonly (readonly string[])[];
}

/** The type's shape, from its `fieldPaths` (a type without them has every field at the top, by its name). */
export const stateShape = perType((type): StateShape => {
  const paths = type.fieldPaths ?? type.fieldNames.map((name) => Object.freeze([name]));
  return { grouped: paths.some((path) => path.length > 1), paths };
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
 * The value of field `index` in a state object of a grouped type, its groups checked on the way: a group
 * that is not an object throws `groupNotObject` (an array is an object here, and its missing fields then
 * fail as the fields' own values would).
 */
export function groupedValue(
  type: AnyEntityType,
  path: readonly string[],
  state: Record<string, unknown>,
): unknown {
  let holder = state;
  const last = path.length - 1;
  for (let depth = 0; depth < last; depth++) {
    const next = holder[path[depth] as string];
    if (typeof next !== 'object' || next === null) {
      throw groupNotObject(type, path.slice(0, depth + 1).join('.'), next);
    }
    holder = next as Record<string, unknown>;
  }
  return holder[path[last] as string];
}

/** Puts `value` at `path` in a state being built, making the groups' objects on the way. */
export function placeValue(state: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let holder = state;
  const last = path.length - 1;
  for (let depth = 0; depth < last; depth++) {
    const name = path[depth] as string;
    let next = holder[name] as Record<string, unknown> | undefined;
    if (next === undefined) {
      next = {};
      holder[name] = next;
    }
    holder = next;
  }
  holder[path[last] as string] = value;
}
