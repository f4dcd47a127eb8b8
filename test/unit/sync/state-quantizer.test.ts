import {
  angle,
  bool,
  EntityTable,
  entity,
  enumOf,
  type FieldCode,
  float,
  int,
  stateToCodes,
  string,
  vec2,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

// The fields the quantizer computes inline (floats on grids that do and do not divide the range, a
// negative min, ints, angles of 10 and 32 bits) next to the ones it leaves to their `quantize`.
const Mixed = entity('mixed', {
  x: float({ min: -50, max: 50, precision: 0.01 }),
  odd: float({ min: 0.3, max: 7.1, precision: 0.7 }),
  heading: angle({ bits: 10 }),
  spin: angle({ bits: 32 }),
  hp: int({ min: -100, max: 100 }),
  level: int({ min: 0, max: 3 }),
  alive: bool(),
  team: enumOf(['red', 'blue']),
  name: string({ maxLength: 4 }),
  at: vec2({ min: 0, max: 100, precision: 0.1 }),
});

const random = seededRandom(17);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

/** Numbers a field may be given: the grid's edges and halves, far outside it, signed zeros, infinities. */
function number(): number {
  return pick([
    () => (random() - 0.5) * 120,
    () => (random() - 0.5) * 1e12,
    () => Math.round((random() - 0.5) * 400) / 2,
    () => Math.round(random() * 10_000) * 0.01 - 50 + 0.005,
    () => (random() - 0.5) * 40 * Math.PI,
    () => pick([0, -0, Math.PI, -Math.PI, 2 * Math.PI, 50, -50, 7.1, 0.3, 1e300, -1e300]),
    () => pick([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE]),
  ])();
}

function state(): Record<string, unknown> {
  return {
    x: number(),
    odd: number(),
    heading: number(),
    spin: number(),
    hp: number(),
    level: number(),
    alive: random() < 0.5,
    team: pick(['red', 'blue']),
    name: pick(['', 'a', 'abcd']),
    at: { x: random() * 100, y: random() * 100 },
  };
}

/** A state every field has a code for. */
function validState(): Record<string, unknown> {
  let values = state();
  while (fieldByField(values) instanceof Error) values = state();
  return values;
}

/** What each field's own `quantize` makes of the state, or the error it throws. */
function fieldByField(values: Record<string, unknown>): FieldCode[] | Error {
  try {
    return Mixed.fields.map((field, index) =>
      field.quantize(values[Mixed.fieldNames[index] as string] as never),
    );
  } catch (error) {
    return error as Error;
  }
}

function quantized(values: Record<string, unknown>): readonly FieldCode[] | Error {
  try {
    return stateToCodes(Mixed, values as never);
  } catch (error) {
    return error as Error;
  }
}

describe('quantizing a whole state', () => {
  it('gives every field the code its own quantize gives, for any number', () => {
    for (let trial = 0; trial < 5000; trial++) {
      const values = state();
      const expected = fieldByField(values);
      const got = quantized(values);
      expect(got, JSON.stringify(values)).toEqual(expected);
      if (Array.isArray(got)) expect(got.every((code) => !Object.is(code, -0))).toBe(true);
    }
  });

  it('throws the field error, word for word, for a value of the wrong type, NaN or an endless angle', () => {
    const bad: Array<[string, unknown]> = [
      ['x', Number.NaN],
      ['x', '1'],
      ['odd', undefined],
      ['hp', Number.NaN],
      ['hp', null],
      ['level', 2n],
      ['heading', Number.POSITIVE_INFINITY],
      ['spin', Number.NaN],
      ['spin', {}],
      ['alive', 1],
      ['team', 'green'],
      ['name', 'too long'],
      ['at', { x: Number.NaN, y: 1 }],
    ];
    for (const [name, value] of bad) {
      const values = { ...validState(), [name]: value };
      const expected = fieldByField(values);
      expect(expected, name).toBeInstanceOf(Error);
      const got = quantized(values);
      expect(got, name).toBeInstanceOf((expected as Error).constructor);
      expect((got as Error).message, name).toBe((expected as Error).message);
      // The table's write path throws the same and keeps the entity as it was.
      const table = new EntityTable();
      const id = table.spawn(Mixed, validState() as never);
      const before = table.get(id);
      expect(() => table.update(id, Mixed, values as never), name).toThrow((expected as Error).message);
      expect(table.get(id)).toBe(before);
    }
  });

  it('keeps the record and its codes array while every field quantizes to its current code', () => {
    const table = new EntityTable();
    const values = validState();
    const id = table.spawn(Mixed, values as never);
    for (let trial = 0; trial < 500; trial++) {
      const before = table.get(id);
      // Half the time only the inline fields move, a little (often to the same code); otherwise anything.
      const next =
        random() < 0.5
          ? { ...values, x: (values.x as number) + (random() - 0.5) * 0.01, hp: (values.hp as number) + 0.1 }
          : state();
      const expected = fieldByField(next);
      if (expected instanceof Error) continue;
      table.update(id, Mixed, next as never);
      const after = table.get(id);
      expect(after?.codes).toEqual(expected);
      const unchanged = expected.every((code, index) =>
        (Mixed.fields[index] as (typeof Mixed.fields)[number]).equals(before?.codes[index] as never, code),
      );
      expect(after === before, JSON.stringify(next)).toBe(unchanged);
      expect(after?.codes === before?.codes).toBe(unchanged);
    }
  });
});
