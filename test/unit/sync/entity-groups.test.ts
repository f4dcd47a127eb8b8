import { BitReader, BitWriter } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  changeMask,
  codesToState,
  type EntityType,
  entity,
  entityRegistry,
  enumOf,
  type FieldDeclarations,
  type FieldNameOf,
  fieldMask,
  float,
  int,
  list,
  quantizeState,
  readFullState,
  SchemaError,
  type StateOf,
  stateToCodes,
  type Vec2,
  vec2,
  writeFullState,
} from 'vehikill-net/sync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { StateQuantizer } from '../../../src/sync/state-quantizer.js';

// A ported Colyseus player whose weapon was a nested schema (with a mount schema inside it): a group of
// fields in the state object, the same fields one by one on the wire.
const weapon = {
  ammo: int({ min: 0, max: 99 }),
  kind: enumOf(['gun', 'rocket']),
  mount: { turn: angle({ bits: 8 }), locked: bool() },
};
const Car = entity('car', {
  position: vec2({ min: 0, max: 100, precision: 0.1 }),
  weapon,
  hp: int({ min: 0, max: 100 }),
});
/** The same fields declared one by one: what Car is on the wire, but for its names. */
const FlatCar = entity('car', {
  position: vec2({ min: 0, max: 100, precision: 0.1 }),
  ammo: int({ min: 0, max: 99 }),
  kind: enumOf(['gun', 'rocket']),
  turn: angle({ bits: 8 }),
  locked: bool(),
  hp: int({ min: 0, max: 100 }),
});

const car: StateOf<typeof Car> = {
  position: { x: 12.34, y: 56.78 },
  weapon: { ammo: 30, kind: 'rocket', mount: { turn: 1, locked: true } },
  hp: 80,
};

describe('groups of fields in an entity', () => {
  it('nest the state object, and name their fields by path', () => {
    expectTypeOf<StateOf<typeof Car>>().toEqualTypeOf<{
      position: Vec2;
      weapon: { ammo: number; kind: 'gun' | 'rocket'; mount: { turn: number; locked: boolean } };
      hp: number;
    }>();
    expectTypeOf<FieldNameOf<typeof Car>>().toEqualTypeOf<
      'position' | 'weapon.ammo' | 'weapon.kind' | 'weapon.mount.turn' | 'weapon.mount.locked' | 'hp'
    >();
    expect(Car.fieldNames).toEqual([
      'position',
      'weapon.ammo',
      'weapon.kind',
      'weapon.mount.turn',
      'weapon.mount.locked',
      'hp',
    ]);
    expect(Car.field['weapon.mount.turn'].path).toBe('car.weapon.mount.turn');
    expectTypeOf(Car.field['weapon.ammo'].quantize).parameter(0).toEqualTypeOf<number>();
    expect(Car.fields.map((field) => field.bits)).toEqual(FlatCar.fields.map((field) => field.bits));
  });

  it('cost nothing on the wire: the bytes of the same fields declared one by one', () => {
    const flat = {
      position: car.position,
      ammo: car.weapon.ammo,
      kind: car.weapon.kind,
      turn: car.weapon.mount.turn,
      locked: car.weapon.mount.locked,
      hp: car.hp,
    };
    expect(stateToCodes(Car, car)).toEqual(stateToCodes(FlatCar, flat));
    const grouped = new BitWriter();
    writeFullState(grouped, Car, stateToCodes(Car, car));
    const oneByOne = new BitWriter();
    writeFullState(oneByOne, FlatCar, stateToCodes(FlatCar, flat));
    expect(grouped.finish()).toEqual(oneByOne.finish());
    // The names are part of the schema a client checks: a page with the flat type is told it differs.
    expect(entityRegistry([Car]).fingerprint).not.toBe(entityRegistry([FlatCar]).fingerprint);
  });

  it('come back as nested objects, quantized, and a change names the field that changed', () => {
    const snapped = quantizeState(Car, car);
    expect(snapped).toEqual({
      position: { x: expect.closeTo(12.3, 9) as number, y: expect.closeTo(56.8, 9) as number },
      weapon: { ammo: 30, kind: 'rocket', mount: { turn: expect.closeTo(1, 1) as number, locked: true } },
      hp: 80,
    });
    const baseline = stateToCodes(Car, snapped);
    expect(codesToState(Car, baseline)).toEqual(snapped);
    expect(quantizeState(Car, snapped)).toEqual(snapped);

    const fired = { ...snapped, weapon: { ...snapped.weapon, ammo: 29 } };
    const current = stateToCodes(Car, fired);
    const mask = changeMask(Car, baseline, current);
    expect(Car.fieldNames.filter((_, index) => (mask & (1 << index)) !== 0)).toEqual(['weapon.ammo']);

    const writer = new BitWriter();
    writeFullState(writer, Car, current);
    expect(codesToState(Car, readFullState(new BitReader(writer.finish()), Car))).toEqual(fired);
  });

  it('leave the types of a type whose declarations are not known wide', () => {
    expectTypeOf<FieldNameOf<EntityType>>().toEqualTypeOf<string>();
    // Declarations made at run time (from a config file, say) are typed no further than this.
    const declarations: FieldDeclarations = { hp: int({ min: 0, max: 9 }), weapon: { ammo: bool() } };
    const Loaded = entity('loaded', declarations);
    expect(fieldMask(Loaded, ['weapon.ammo', 'hp'])).toBe(0b11);
    expect(Loaded.field['weapon.ammo']?.kind).toBe('bool');
  });

  it('are masked whole or field by field', () => {
    expect(fieldMask(Car, ['weapon'])).toBe(0b11110);
    expect(fieldMask(Car, ['weapon.mount'])).toBe(0b11000);
    expect(fieldMask(Car, ['weapon.mount', 'weapon.mount.locked', 'hp'])).toBe(0b111000);
    expect(() => fieldMask(Car, ['weapon.sight' as never])).toThrow(
      new RangeError("car: no field or group named 'weapon.sight'"),
    );
    // A group's name is not a prefix of other names: `weapon` selects nothing of a `weaponry` field.
    const Armed = entity('armed', { weapon: { ammo: int({ min: 0, max: 9 }) }, weaponry: bool() });
    expect(fieldMask(Armed, ['weapon'])).toBe(0b01);
  });

  it('may be declared once and used twice, each use its own fields', () => {
    const Tank = entity('tank', { primary: weapon, secondary: weapon });
    expect(Tank.fieldNames).toHaveLength(8);
    expect(Tank.field['secondary.mount.locked'].path).toBe('tank.secondary.mount.locked');
    const state = {
      primary: { ammo: 1, kind: 'gun' as const, mount: { turn: 0, locked: false } },
      secondary: { ammo: 2, kind: 'rocket' as const, mount: { turn: 0, locked: true } },
    };
    expect(quantizeState(Tank, state)).toEqual(state);
  });

  it('refuse bad declarations at once, naming where', () => {
    expect(() => entity('car', { weapon: {} })).toThrow(
      new SchemaError('car.weapon', 'a group needs at least one field'),
    );
    expect(() => entity('car', { weapon: { 'ammo-count': int({ min: 0, max: 9 }) } })).toThrow(
      new SchemaError(
        'car.weapon.ammo-count',
        'a field name must be an identifier (letters, digits, _ and $)',
      ),
    );
    const notDeclarations: unknown[] = [42, 'x', [int({ min: 0, max: 9 })], new Map(), null];
    for (const value of notDeclarations) {
      expect(() => entity('car', { weapon: { loaded: bool(), ammo: value as never } })).toThrow(
        /^car\.weapon\.ammo: is not a field declaration: use int\(\), float\(\), angle\(\), string\(\)\.\.\., or an object of them for a group$/,
      );
    }
    const loop: Record<string, unknown> = { hp: int({ min: 0, max: 9 }) };
    loop.self = loop;
    expect(() => entity('car', { loop: loop as never })).toThrow(
      new SchemaError('car.loop.self', 'a group cannot contain itself'),
    );
    // A field of a group counts against the 32 of a change mask like any other.
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, index) => [`f${index}`, bool()]));
    expect(() => entity('car', { a: sixteen, b: sixteen, c: bool() })).toThrow(
      new SchemaError(
        'car',
        "33 fields (a group's fields count one each), at most 32 fit one change mask; split the type",
      ),
    );
    expect(entity('car', { a: sixteen, b: sixteen }).fields).toHaveLength(32);
    // Options without their declaration are the field at fault, not a group with a bad `min`.
    expect(() => entity('car', { hp: { min: 0, max: 100 } as never })).toThrow(
      /^car\.hp: is not a field declaration: /,
    );
    // Every object has a `constructor`: a group there would find it in a state being built.
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => entity('car', { [name]: { ammo: int({ min: 0, max: 9 }) } })).toThrow(
        new SchemaError(`car.${name}`, `a group cannot be named '${name}', a property every object has`),
      );
    }
    const Plain = entity('plain', { constructor: int({ min: 0, max: 9 }), weapon: { toString: bool() } });
    expect(quantizeState(Plain, { constructor: 3, weapon: { toString: true } } as never)).toEqual({
      constructor: 3,
      weapon: { toString: true },
    });
    // One group used twice in each group, level after level: 2^20 fields, refused without walking them all.
    let diamond: Record<string, unknown> = { on: bool() };
    for (let level = 0; level < 20; level++) diamond = { left: diamond, right: diamond };
    expect(() => entity('car', diamond as never)).toThrow(
      new SchemaError(
        'car',
        "more than 1024 fields (a group's fields count one each), at most 32 fit one change mask; split the type",
      ),
    );
    // A bad field inside a group is named by its path, as the field compiles it.
    expect(() => entity('car', { weapon: { range: float({ min: 5, max: 5, precision: 1 }) } })).toThrow(
      /^car\.weapon\.range: /,
    );
  });
});

describe('quantizing a grouped state: the generated path and the loop agree', () => {
  const paths = [new StateQuantizer(Car), new StateQuantizer(Car, { generate: false })];

  it('reading each group once, in the same order', () => {
    const [generated, loop] = paths.map((quantizer) => {
      const reads: string[] = [];
      const traced = (value: object, at: string): object =>
        new Proxy(value, {
          get(target, name) {
            const path = at === '' ? String(name) : `${at}.${String(name)}`;
            reads.push(path);
            const found: unknown = Reflect.get(target, name);
            return typeof found === 'object' && found !== null ? traced(found, path) : found;
          },
        });
      quantizer.codes(traced(car, ''));
      return reads;
    });
    expect(generated).toEqual([
      'position',
      'position.x',
      'position.y',
      'weapon',
      'weapon.ammo',
      'weapon.kind',
      'weapon.mount',
      'weapon.mount.turn',
      'weapon.mount.locked',
      'hp',
    ]);
    expect(loop).toEqual(generated);
  });

  it('on good states, and on states whose groups are missing or wrong', () => {
    const states: unknown[] = [
      car,
      { ...car, weapon: undefined },
      { ...car, weapon: null },
      { ...car, weapon: 7 },
      { ...car, weapon: { ...car.weapon, mount: 'up' } },
      { ...car, weapon: { ...car.weapon, ammo: 'many' } },
      { ...car, weapon: [] },
      { position: car.position },
    ];
    const outcomes = states.map((state) =>
      paths.map((quantizer) => {
        try {
          return {
            codes: quantizer.codes(state),
            changed: quantizer.changedCodes(state, stateToCodes(Car, car)),
          };
        } catch (error) {
          return { error: `${(error as Error).name}: ${(error as Error).message}` };
        }
      }),
    );
    for (const [generated, loop] of outcomes) expect(generated).toEqual(loop);
    expect(paths[0]?.generated).toBe(true);
    expect(outcomes.map(([generated]) => generated)).toEqual([
      { codes: stateToCodes(Car, car), changed: undefined },
      { error: "TypeError: car.weapon: expected an object of the group's fields, got undefined" },
      { error: "TypeError: car.weapon: expected an object of the group's fields, got null" },
      { error: "TypeError: car.weapon: expected an object of the group's fields, got number" },
      { error: "TypeError: car.weapon.mount: expected an object of the group's fields, got string" },
      { error: expect.stringMatching(/^TypeError: car\.weapon\.ammo: /) as string },
      { error: expect.stringMatching(/^TypeError: car\.weapon\.ammo: /) as string },
      { error: "TypeError: car.weapon: expected an object of the group's fields, got undefined" },
    ]);
  });

  it('through the stash of a type whose fields are all numbers on grids', () => {
    const Body = entity('body', {
      at: {
        x: float({ min: -10, max: 10, precision: 0.01 }),
        y: float({ min: -10, max: 10, precision: 0.01 }),
      },
      motion: { speed: float({ min: 0, max: 50, precision: 0.1 }), gear: int({ min: 0, max: 5 }) },
      heading: angle({ bits: 10 }),
    });
    const both = [new StateQuantizer(Body), new StateQuantizer(Body, { generate: false })];
    const state = { at: { x: 1.234, y: -5 }, motion: { speed: 12.34, gear: 3 }, heading: 2 };
    const zero = stateToCodes(Body, { at: { x: 0, y: 0 }, motion: { speed: 0, gear: 0 }, heading: 0 });
    for (const quantizer of both) {
      expect(quantizer.deferrable).toBe(true);
      const numbers = new Float64Array(5);
      expect(quantizer.stash(state, numbers)).toBe(true);
      expect([...numbers]).toEqual([1.234, -5, 12.34, 3, 2]);
      expect(quantizer.codesFromStash(numbers, zero)).toEqual(stateToCodes(Body, state));
      // A state whose value has no inline code is not stashed, and leaves the numbers as they were.
      expect(quantizer.stash({ ...state, motion: { speed: 'fast', gear: 1 } }, numbers)).toBe(false);
      expect([...numbers]).toEqual([1.234, -5, 12.34, 3, 2]);
      expect(() => quantizer.stash({ ...state, motion: undefined }, numbers)).toThrow(
        new TypeError("body.motion: expected an object of the group's fields, got undefined"),
      );
    }
  });

  it('with lists and vectors inside a group', () => {
    const Loadout = entity('loadout', {
      gear: {
        ammo: list(int({ min: 0, max: 9 }), { maxLength: 3 }),
        aim: vec2({ min: 0, max: 1, precision: 0.5 }),
      },
    });
    const state = { gear: { ammo: [1, 2], aim: { x: 0.4, y: 1 } } };
    expect(quantizeState(Loadout, state)).toEqual({ gear: { ammo: [1, 2], aim: { x: 0.5, y: 1 } } });
  });
});
