import {
  angle,
  bool,
  EntityTable,
  entity,
  enumOf,
  type Field,
  type FieldCode,
  float,
  int,
  list,
  stateToCodes,
  string,
  vec2,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { StateQuantizer } from '../../../src/sync/state-quantizer.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

// The fields the quantizer computes inline (floats on grids that do and do not divide the range, a
// negative min, ints, angles of 10 and 32 bits) next to the ones it leaves to their `quantize`.
const inlineFields = {
  x: float({ min: -50, max: 50, precision: 0.01 }),
  odd: float({ min: 0.3, max: 7.1, precision: 0.7 }),
  heading: angle({ bits: 10 }),
  spin: angle({ bits: 32 }),
  hp: int({ min: -100, max: 100 }),
  level: int({ min: 0, max: 3 }),
};
const Mixed = entity('mixed', {
  ...inlineFields,
  alive: bool(),
  team: enumOf(['red', 'blue']),
  name: string({ maxLength: 4 }),
  at: vec2({ min: 0, max: 100, precision: 0.1 }),
  ammo: list(int({ min: 0, max: 9 }), { maxLength: 3 }),
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
    ammo: pick([[], [1], [1, 2], [1.4, 20, -3], [9, 9, 9, 9], [Number.NaN]]),
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
  return attempt(() => stateToCodes(Mixed, values as never));
}

function attempt<Result>(run: () => Result): Result | Error {
  try {
    return run();
  } catch (error) {
    return error as Error;
  }
}

// The generated path (what stateToCodes and EntityTable use here) and the loop a strict
// Content-Security-Policy leaves (state-quantizer-csp.test.ts has the refusal itself): the same cases
// run on both, held to the fields' own `quantize` and `equals`.
const paths = [
  ['generated', new StateQuantizer(Mixed)],
  ['loop', new StateQuantizer(Mixed, { generate: false })],
] as const;

/** Values no field of `Mixed` has a code for (wrong type, NaN, too long, an endless angle). */
const BAD_VALUES: ReadonlyArray<[string, unknown]> = [
  ['x', Number.NaN],
  ['x', '1'],
  ['odd', undefined],
  ['hp', Number.NaN],
  ['hp', null],
  ['level', 2n],
  ['heading', Number.POSITIVE_INFINITY],
  ['heading', Number.NEGATIVE_INFINITY],
  ['spin', Number.NaN],
  ['spin', {}],
  ['alive', 1],
  ['team', 'green'],
  ['name', 'too long'],
  ['at', { x: Number.NaN, y: 1 }],
  ['ammo', [1, '2']],
  ['ammo', [1, 2, 3, 4]],
  ['ammo', 3],
];

describe.each(paths)('the %s quantizer', (path, quantizer) => {
  it(`is the ${path} one`, () => {
    expect(quantizer.generated).toBe(path === 'generated');
  });

  it('gives every field the code its own quantize gives, and changedCodes tells a change exactly', () => {
    let current = fieldByField(validState()) as FieldCode[];
    for (let trial = 0; trial < 3000; trial++) {
      const values = state();
      const expected = fieldByField(values);
      const codes = attempt(() => quantizer.codes(values));
      expect(codes, JSON.stringify(values)).toEqual(expected);
      if (Array.isArray(codes)) expect(codes.every((code) => !Object.is(code, -0))).toBe(true);
      const changed = attempt(() => quantizer.changedCodes(values, current));
      if (expected instanceof Error) {
        expect((changed as Error).message).toBe(expected.message);
        continue;
      }
      const same = expected.every((code, index) =>
        (Mixed.fields[index] as (typeof Mixed.fields)[number]).equals(current[index] as never, code),
      );
      expect(changed, JSON.stringify(values)).toEqual(same ? undefined : expected);
      // A small move (often to the same codes) and back to what it was: undefined, nothing allocated.
      if (!same) current = changed as FieldCode[];
      const nudged = { ...values, x: (values.x as number) + (random() - 0.5) * 0.01 };
      const after = fieldByField(nudged) as FieldCode[];
      expect(quantizer.changedCodes(nudged, current)).toEqual(after[0] === current[0] ? undefined : after);
      expect(quantizer.changedCodes(values, expected)).toBeUndefined();
    }
  });

  it('throws the field error word for word (wrong type, NaN, missing field, endless angle)', () => {
    const current = fieldByField(validState()) as FieldCode[];
    for (const [name, value] of BAD_VALUES) {
      const values = { ...validState(), [name]: value };
      const missing = { ...values };
      delete missing[name];
      for (const given of value === undefined ? [values, missing] : [values]) {
        const expected = fieldByField(given) as Error;
        expect(expected, name).toBeInstanceOf(Error);
        for (const got of [
          attempt(() => quantizer.codes(given)),
          attempt(() => quantizer.changedCodes(given, current)),
        ]) {
          expect(got, name).toBeInstanceOf(expected.constructor);
          expect((got as Error).message, name).toBe(expected.message);
        }
      }
    }
    for (const notState of [null, 3, 'x', undefined]) {
      expect(() => quantizer.codes(notState)).toThrow(
        new TypeError(`mixed: expected a state object, got ${notState === null ? 'null' : typeof notState}`),
      );
      expect(() => quantizer.changedCodes(notState, current)).toThrow(TypeError);
    }
  });

  it('reads each field once, in declaration order', () => {
    const values = validState();
    const reads: string[] = [];
    const watched = new Proxy(values, {
      get: (target, key) => {
        reads.push(String(key));
        return Reflect.get(target, key);
      },
    });
    quantizer.changedCodes(watched, fieldByField(values) as FieldCode[]);
    expect(reads).toEqual(Mixed.fieldNames);
  });
});

// The fields of `Mixed` that quantize inline: a type of only these can be stashed and quantized later.
const Motion = entity('motion', inlineFields);

const motionPaths = [
  ['generated', new StateQuantizer(Motion)],
  ['loop', new StateQuantizer(Motion, { generate: false })],
] as const;

describe.each(motionPaths)('stashing with the %s quantizer', (path, quantizer) => {
  it(`is the ${path} one, and only a type of floats, ints and angles can stash`, () => {
    expect(quantizer.generated).toBe(path === 'generated');
    expect(quantizer.deferrable).toBe(true);
    expect(new StateQuantizer(Mixed).deferrable).toBe(false);
    expect(() => new StateQuantizer(Mixed).stash(validState(), new Float64Array(10))).toThrow(TypeError);
  });

  it('stashes a state when every value has a code, then gives the codes changedCodes gives', () => {
    const codesOf = (values: Record<string, unknown>) =>
      attempt(() =>
        Motion.fields.map((field, index) =>
          field.quantize(values[Motion.fieldNames[index] as string] as never),
        ),
      );
    let current = codesOf({ x: 0, odd: 1, heading: 0, spin: 0, hp: 0, level: 0 }) as FieldCode[];
    const numbers = new Float64Array(Motion.fields.length);
    for (let trial = 0; trial < 3000; trial++) {
      const values: Record<string, unknown> = Object.fromEntries(
        Motion.fieldNames.map((name) => [name, number()]),
      );
      if (random() < 0.1) {
        const [name, value] = pick(BAD_VALUES.filter(([bad]) => Motion.fieldNames.includes(bad as never)));
        values[name] = value;
      }
      const expected = codesOf(values);
      const before = numbers.slice();
      const stashed = quantizer.stash(values, numbers);
      expect(stashed, String(Object.values(values))).toBe(!(expected instanceof Error));
      if (!stashed) {
        expect(numbers).toEqual(before);
        continue;
      }
      expect(quantizer.codesFromStash(numbers, current)).toEqual(quantizer.changedCodes(values, current));
      const codes = quantizer.codesFromStash(numbers, current) ?? current;
      expect(codes).toEqual(expected);
      expect(codes.every((code) => !Object.is(code, -0))).toBe(true);
      current = codes;
      expect(quantizer.codesFromStash(numbers, current)).toBeUndefined();
    }
    expect(() => quantizer.stash(null, numbers)).toThrow(
      new TypeError('motion: expected a state object, got null'),
    );
  });

  it('reads each field once, in declaration order', () => {
    const reads: string[] = [];
    const watched = new Proxy(
      { x: 1, odd: 2, heading: 3, spin: 4, hp: 5, level: 1 },
      {
        get: (target, key) => {
          reads.push(String(key));
          return Reflect.get(target, key);
        },
      },
    );
    expect(quantizer.stash(watched, new Float64Array(Motion.fields.length))).toBe(true);
    expect(reads).toEqual(Motion.fieldNames);
  });
});

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
    for (const [name, value] of BAD_VALUES) {
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

describe('the generated quantizer and what a type holds', () => {
  // entity() takes identifiers only; a hand-made type object could hold any text, and must not run it.
  const hostile = [
    'a"]; globalThis.injected = 1; //',
    "b']; globalThis.injected = 2; //",
    'c\\"]);\nglobalThis.injected = 3;\u2028//',
    '*/ globalThis.injected = 4; /*',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: what a template literal would run, as a name
    '${globalThis.injected = 5}',
  ];

  it('reads names as string literals: no name becomes code', () => {
    const fields = hostile.map((name) => float({ min: 0, max: 10, precision: 0.5 }).compile(`t.${name}`));
    const type = {
      name: 't',
      fieldNames: hostile,
      fields,
      allFieldsMask: 2 ** hostile.length - 1,
      maxBits: fields.reduce((sum, field) => sum + field.bits, 0),
      relative: false,
    };
    const quantizer = new StateQuantizer(type);
    expect(quantizer.generated).toBe(true);
    const values = Object.fromEntries(hostile.map((name, index) => [name, index * 1.3]));
    expect(quantizer.codes(values)).toEqual(fields.map((field, index) => field.quantize(index * 1.3)));
    expect(() => quantizer.codes({ ...values, [hostile[2] as string]: 'x' })).toThrow(
      `t.${hostile[2]}: expected a number, got string`,
    );
    expect((globalThis as { injected?: unknown }).injected).toBeUndefined();
  });

  it("leaves a field whose grid is not finite numbers to the field's own quantize", () => {
    const real = float({ min: 0, max: 10, precision: 0.5 }).compile('u.x');
    const grid = { rounding: 'offset', min: '0) + (globalThis.injected = 6', step: 0.5, maxCode: 20 };
    const odd: Field<number, number> & { grid: unknown } = {
      kind: real.kind,
      path: real.path,
      bits: real.bits,
      grid,
      quantize: (value) => real.quantize(value),
      dequantize: (code) => real.dequantize(code),
      equals: (a, b) => a === b,
      bitLength: (code) => real.bitLength(code),
      write: (writer, code) => real.write(writer, code),
      read: (reader) => real.read(reader),
    };
    const type = {
      name: 'u',
      fieldNames: ['x'],
      fields: [odd],
      allFieldsMask: 1,
      maxBits: real.bits,
      relative: false,
    };
    const quantizer = new StateQuantizer(type);
    for (const value of [0, 3.3, 10, 99])
      expect(quantizer.codes({ x: value })).toEqual([real.quantize(value)]);
    expect((globalThis as { injected?: unknown }).injected).toBeUndefined();
  });
});
