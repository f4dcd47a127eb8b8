import { BitReader, BitWriter } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  changeMask,
  codesToState,
  type EntityCodes,
  entity,
  enumOf,
  type Field,
  type FieldDeclaration,
  fieldMask,
  float,
  fullStateBits,
  int,
  type Quaternion,
  quantizeState,
  quaternion,
  readFullState,
  readStateChanges,
  SchemaError,
  type StateOf,
  stateChangesBits,
  stateToCodes,
  string,
  type Vec3,
  vec3,
  writeFullState,
  writeStateChanges,
} from 'vehikill-net/sync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { badFrame } from './field-harness.js';

const Vehicle = entity('vehicle', {
  // Truncated binary (fields/codes.ts): x codes below 62,143 take 17 bits, hp below 27 take 6, lengths
  // below 15 take 4.
  x: float({ min: -1000, max: 1000, precision: 0.01 }), // 17-18 bits
  heading: angle({ bits: 10 }),
  hp: int({ min: 0, max: 100 }), // 6-7 bits
  name: string({ maxLength: 16 }), // 4-5 bits + 8 a byte
});
type VehicleState = StateOf<typeof Vehicle>;

const car: VehicleState = { x: 12.345, heading: 1, hp: 100, name: 'Ada' };

function written(build: (writer: BitWriter) => void): { reader: BitReader; bits: number } {
  const writer = new BitWriter();
  build(writer);
  return { reader: new BitReader(writer.finish()), bits: writer.bitLength };
}

describe('entity(): types', () => {
  it('infers the state type from the declaration', () => {
    expectTypeOf<VehicleState>().toEqualTypeOf<{ x: number; heading: number; hp: number; name: string }>();
    const Tank = entity('tank', {
      position: vec3({ min: -1000, max: 1000, precision: 0.01 }),
      turret: quaternion({ bits: 9 }),
      firing: bool(),
      team: enumOf(['red', 'blue']),
    });
    expectTypeOf<StateOf<typeof Tank>>().toEqualTypeOf<{
      position: Vec3;
      turret: Quaternion;
      firing: boolean;
      team: 'red' | 'blue';
    }>();
    expectTypeOf(Tank.field.team).toEqualTypeOf<Field<'red' | 'blue', number>>();
    expectTypeOf(Tank.fieldNames).toEqualTypeOf<readonly ('position' | 'turret' | 'firing' | 'team')[]>();
    expectTypeOf(quantizeState(Vehicle, car)).toEqualTypeOf<VehicleState>();
    expectTypeOf(int({ min: 0, max: 1 })).toEqualTypeOf<FieldDeclaration<number, number>>();
  });

  it('rejects states of the wrong shape at compile time', () => {
    // @ts-expect-error hp must be a number
    expect(() => stateToCodes(Vehicle, { ...car, hp: 'full' })).toThrow(TypeError);
    // @ts-expect-error name is missing
    expect(() => stateToCodes(Vehicle, { x: 0, heading: 0, hp: 0 })).toThrow(
      new TypeError('vehicle.name: expected a string, got undefined'),
    );
    // @ts-expect-error no field 'speed'
    expect(() => fieldMask(Vehicle, ['speed'])).toThrow(
      new RangeError("vehicle: no field or group named 'speed'"),
    );
  });
});

describe('entity(): layout', () => {
  it('keeps declaration order, compiles each field under its path, and sums the widths', () => {
    expect(Vehicle.name).toBe('vehicle');
    expect(Vehicle.fieldNames).toEqual(['x', 'heading', 'hp', 'name']);
    expect(Vehicle.fields.map((field) => field.path)).toEqual([
      'vehicle.x',
      'vehicle.heading',
      'vehicle.hp',
      'vehicle.name',
    ]);
    expect(Vehicle.field.hp.kind).toBe('int');
    expect(Vehicle.allFieldsMask).toBe(0b1111);
    expect(Vehicle.maxBits).toBe(18 + 10 + 7 + 5 + 128);
    expect(fieldMask(Vehicle, ['x', 'hp'])).toBe(0b0101);
    expect(fieldMask(Vehicle, ['name', 'name'])).toBe(0b1000);
    expect(Object.isFrozen(Vehicle)).toBe(true);
  });
});

describe('quantizeState()', () => {
  it('snaps every field to its grid, and snapping again changes nothing', () => {
    const snapped = quantizeState(Vehicle, { x: 12.345, heading: 7, hp: 250.4, name: 'Ada' });
    expect(snapped.x).toBeCloseTo(12.35, 9);
    expect(snapped.heading).toBeCloseTo(7 - 2 * Math.PI, 2);
    expect(snapped.hp).toBe(100);
    expect(snapped.name).toBe('Ada');
    expect(quantizeState(Vehicle, snapped)).toEqual(snapped);
    expect(codesToState(Vehicle, stateToCodes(Vehicle, snapped))).toEqual(snapped);
  });

  it('names the field a value has no code for', () => {
    expect(() => quantizeState(Vehicle, { ...car, x: Number.NaN })).toThrow(
      new RangeError('vehicle.x: NaN cannot be quantized'),
    );
    expect(() => quantizeState(Vehicle, null as unknown as VehicleState)).toThrow(
      new TypeError('vehicle: expected a state object, got null'),
    );
  });
});

describe('full states and changes', () => {
  const before = stateToCodes(Vehicle, car);
  const after = stateToCodes(Vehicle, { ...car, x: 13, hp: 90 });

  it('writes a full state as every field in order, with no mask', () => {
    const { reader, bits } = written((writer) => writeFullState(writer, Vehicle, before));
    expect(bits).toBe(18 + 10 + 7 + 4 + 3 * 8);
    expect(fullStateBits(Vehicle, before)).toBe(bits);
    expect(readFullState(reader, Vehicle)).toEqual(before);
  });

  it('marks the fields whose codes differ', () => {
    expect(changeMask(Vehicle, before, after)).toBe(0b0101);
    expect(changeMask(Vehicle, before, before)).toBe(0);
    const tiny = stateToCodes(Vehicle, { ...car, x: car.x + 0.001 });
    expect(changeMask(Vehicle, before, tiny)).toBe(0);
  });

  it('writes changes as a mask, then the changed fields; the rest come from the baseline', () => {
    const mask = changeMask(Vehicle, before, after);
    const { reader, bits } = written((writer) => writeStateChanges(writer, Vehicle, after, mask));
    expect(bits).toBe(4 + 18 + 7);
    expect(stateChangesBits(Vehicle, after, mask)).toBe(bits);
    expect(readStateChanges(reader, Vehicle, before)).toEqual(after);
  });

  it('writes an unchanged entity as its mask alone', () => {
    const { reader, bits } = written((writer) => writeStateChanges(writer, Vehicle, before, 0));
    expect(bits).toBe(4);
    expect(readStateChanges(reader, Vehicle, before)).toEqual(before);
  });

  it('sends masked fields whether or not they changed', () => {
    const mask = fieldMask(Vehicle, ['name']);
    const { reader } = written((writer) => writeStateChanges(writer, Vehicle, before, mask));
    const other = stateToCodes(Vehicle, { ...car, name: 'Bob' });
    expect(codesToState(Vehicle, readStateChanges(reader, Vehicle, other))).toEqual(
      codesToState(Vehicle, before),
    );
  });

  it('refuses codes and masks that are not the entity’s', () => {
    const writer = new BitWriter();
    expect(() => writeFullState(writer, Vehicle, before.slice(1))).toThrow(
      new RangeError('vehicle: expected 4 field codes'),
    );
    expect(() => writeStateChanges(writer, Vehicle, before, 16)).toThrow(/16 is not a mask of its 4 fields/);
    expect(() => writeStateChanges(writer, Vehicle, before, -1)).toThrow(RangeError);
    expect(() => readStateChanges(new BitReader(new Uint8Array(8)), Vehicle, [])).toThrow(RangeError);
    const swapped: EntityCodes = [before[0]!, before[1]!, 'Ada', 100];
    expect(() => writeFullState(writer, Vehicle, swapped)).toThrow(/vehicle\.hp/);
  });

  it('fails cleanly on truncated input, naming where it stopped', () => {
    const { reader } = written((writer) => writer.writeBits(0, 30));
    // x = 0 (17 bits) and heading (10) leave 5 of the 32 bits written: hp's first 6 do not fit.
    expect(badFrame(() => readFullState(reader, Vehicle))).toBe(
      'vehicle.hp: needs 6 bits, the input has 5 left',
    );
    expect(badFrame(() => readStateChanges(new BitReader(new Uint8Array(0)), Vehicle, before))).toBe(
      'vehicle change mask: needs 4 bits, the input has 0 left',
    );
    // Every pattern is a code: hp's all-ones pattern is its largest, 100.
    const hpAllOnes = written((writer) => {
      writer.writeBits(0b0100, 4);
      writer.writeBits(127, 7);
    });
    expect(readStateChanges(hpAllOnes.reader, Vehicle, before)[2]).toBe(100);
  });

  it('handles 32 fields, a mask with its top bit set', () => {
    const declarations = Object.fromEntries(
      Array.from({ length: 32 }, (_, index) => [`f${index}`, int({ min: 0, max: 3 })]),
    );
    const Wide = entity('wide', declarations);
    expect(Wide.allFieldsMask).toBe(0xffffffff);
    const baseline = stateToCodes(Wide, Object.fromEntries(Wide.fieldNames.map((name) => [name, 0])));
    const current = stateToCodes(Wide, { ...codesToState(Wide, baseline), f0: 1, f31: 3 });
    const mask = changeMask(Wide, baseline, current);
    expect(mask).toBe(2 ** 31 + 1);
    const { reader, bits } = written((writer) => writeStateChanges(writer, Wide, current, mask));
    expect(bits).toBe(32 + 2 + 2);
    expect(readStateChanges(reader, Wide, baseline)).toEqual(current);
  });
});

describe('entity(): declaration errors', () => {
  it.each([
    [
      'an empty int range',
      { hp: int({ min: 10, max: 10 }) },
      'vehicle.hp: int range is empty: min 10 must be below max 10',
    ],
    [
      'a zero precision',
      { x: float({ min: 0, max: 1, precision: 0 }) },
      'vehicle.x: float precision must be above 0, got 0',
    ],
    [
      'a negative precision',
      { x: float({ min: 0, max: 1, precision: -1 }) },
      'vehicle.x: float precision must be above 0, got -1',
    ],
    [
      'angle bits out of range',
      { heading: angle({ bits: 40 }) },
      'vehicle.heading: angle bits must be an integer in 1..32, got 40',
    ],
    [
      'quaternion bits out of range',
      { turret: quaternion({ bits: 1 }) },
      'vehicle.turret: quaternion bits must be an integer in 2..32, got 1',
    ],
    ['an empty enum', { team: enumOf([]) }, 'vehicle.team: enum has no values'],
    [
      'a duplicate enum value',
      { team: enumOf(['a', 'a']) },
      "vehicle.team: enum value 'a' appears twice (indices 0 and 1)",
    ],
    [
      'a vector with an empty range',
      { at: vec3({ min: 1, max: 0, precision: 1 }) },
      'vehicle.at.x: float range is empty: min 1 must be below max 0',
    ],
    [
      'a zero string bound',
      { name: string({ maxLength: 0 }) },
      'vehicle.name: string maxLength must be an integer in 1..65535, got 0',
    ],
    [
      'a field that is no declaration',
      { hp: 5 },
      'vehicle.hp: is not a field declaration: use int(), float(), angle(), string()..., or an object of them for a group',
    ],
    [
      'a field name that is no identifier',
      { 'max-hp': int({ min: 0, max: 1 }) },
      'vehicle.max-hp: a field name must be an identifier (letters, digits, _ and $)',
    ],
    ['no fields', {}, 'vehicle: an entity type needs at least one field'],
  ])('throws a SchemaError naming the field for %s', (_, fields, message) => {
    const thrown = thrownBy(() => entity('vehicle', fields as Record<string, FieldDeclaration>));
    expect(thrown).toBeInstanceOf(SchemaError);
    expect((thrown as SchemaError).message).toBe(message);
    expect((thrown as SchemaError).field).toBe(message.slice(0, message.indexOf(': ')));
  });

  it('rejects more than 32 fields and an empty name', () => {
    const declarations = Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`f${index}`, bool()]));
    expect(() => entity('wide', declarations)).toThrow(
      "wide: 33 fields (a group's fields count one each), at most 32 fit one change mask; split the type",
    );
    expect(() => entity('', { on: bool() })).toThrow(/an entity type needs a non-empty name/);
  });
});

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
