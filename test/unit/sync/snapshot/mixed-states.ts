import {
  angle,
  bool,
  type EntityCodes,
  entity,
  enumOf,
  type FieldCode,
  float,
  int,
  list,
  string,
  vec2,
} from 'vehikill-net/sync';

/** The fields whose codes are numbers, made anew for each type that has them. */
const numberFields = () => ({
  x: float({ min: -50, max: 50, precision: 0.01 }),
  heading: angle({ bits: 10 }),
  spin: angle({ bits: 32 }),
  hp: int({ min: 0, max: 100 }),
  level: int({ min: 0, max: 3 }),
  alive: bool(),
  team: enumOf(['red', 'blue', 'green']),
});

// Every kind of field the coder treats apart: scalar relative ones (a float with truncated whole codes,
// angles that wrap, one of 32 bits where the wrap is a plain 32-bit sign extension), a vector (relative
// through its codec), and plain ones (narrow int, bool, enum, string, a list).
export const Mixed = entity('mixed', {
  ...numberFields(),
  name: string({ maxLength: 4 }),
  at: vec2({ min: 0, max: 100, precision: 0.1 }),
  ammo: list(int({ min: 0, max: 99 }), { maxLength: 3 }),
});

/** `Mixed`'s fields whose codes are numbers: a type whose generated reader hashes as it reads. */
export const MixedNumbers = entity('mixedNumbers', numberFields());

type MixedType = typeof Mixed | typeof MixedNumbers;

/**
 * A random state of `Mixed` (or `MixedNumbers`); with `near`, each field mostly a small step from it
 * (the usual delta), sometimes a jump.
 */
export function mixedState(random: () => number, near?: EntityCodes, type: MixedType = Mixed): EntityCodes {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return type.fields.map((field, index) => {
    const base = near?.[index];
    if (base !== undefined && random() < 0.3) return base;
    if (field.kind === 'float' || field.kind === 'angle' || field.kind === 'int') {
      const max =
        field.kind === 'angle'
          ? 2 ** field.bits - 1
          : field.kind === 'int'
            ? largestInt(type, index)
            : 10_000;
      if (base !== undefined && random() < 0.8) {
        const step = Math.round((random() - 0.5) * 2 ** (1 + Math.floor(random() * 12)));
        const moved = (base as number) + step;
        return field.kind === 'angle'
          ? ((moved % (max + 1)) + max + 1) % (max + 1)
          : Math.max(0, Math.min(max, moved));
      }
      // Angles often near 0, where a small turn wraps round.
      if (field.kind === 'angle' && random() < 0.5)
        return (max + 1 + Math.floor(random() * 64) - 32) % (max + 1);
      return Math.floor(random() * (max + 1));
    }
    if (field.kind === 'vec2') return [Math.floor(random() * 1001), Math.floor(random() * 1001)];
    if (field.kind === 'bool') return random() < 0.5 ? 0 : 1;
    if (field.kind === 'enum') return Math.floor(random() * 3);
    // New arrays each time: equal lists that are not the same array, and lists one element apart.
    if (field.kind === 'list') return pick([[], [0], [5, 99], [5, 98], [5, 98, 0]]);
    return pick(['', 'a', 'ab', 'abcd']);
  });
}

function largestInt(type: MixedType, index: number): number {
  return type.fieldNames[index] === 'hp' ? 100 : 3;
}

/** The fields of `Mixed` (or `type`) that differ between the two states. */
export function maskOf(before: EntityCodes, now: EntityCodes, type: MixedType = Mixed): number {
  let mask = 0;
  type.fields.forEach((field, index) => {
    if (!field.equals(before[index] as FieldCode, now[index] as FieldCode)) mask |= 1 << index;
  });
  return mask;
}
