import { BitReader, BitWriter } from 'vehikill-net/protocol';
import {
  angle,
  changeMask,
  codesToState,
  entity,
  enumOf,
  int,
  type Quaternion,
  quantizeState,
  quaternion,
  readStateChanges,
  type StateOf,
  stateToCodes,
  string,
  type Vec3,
  vec3,
  writeStateChanges,
} from 'vehikill-net/sync';
import { describe, expect, expectTypeOf, it } from 'vitest';

// The example at the top of docs/sync.md, kept true here.
describe('docs/sync.md example', () => {
  it('runs as written', () => {
    const Vehicle = entity('vehicle', {
      position: vec3({ min: -1000, max: 1000, precision: 0.01 }),
      heading: angle({ bits: 10 }),
      orientation: quaternion({ bits: 9 }),
      hp: int({ min: 0, max: 100 }),
      state: enumOf(['idle', 'driving', 'wrecked']),
      name: string({ maxLength: 16 }),
    });
    type VehicleState = StateOf<typeof Vehicle>;
    expectTypeOf<VehicleState>().toEqualTypeOf<{
      position: Vec3;
      heading: number;
      orientation: Quaternion;
      hp: number;
      state: 'idle' | 'driving' | 'wrecked';
      name: string;
    }>();
    expect(Vehicle.fields.map((field) => field.bits)).toEqual([54, 10, 29, 7, 2, 5 + 128]);

    let car: VehicleState = quantizeState(Vehicle, {
      position: { x: 12.345, y: 0, z: -3 },
      heading: 1.2,
      orientation: { x: 0, y: 0, z: 0, w: 1 },
      hp: 100,
      state: 'driving',
      name: 'Ada',
    });

    const baseline = stateToCodes(Vehicle, car);
    car = quantizeState(Vehicle, { ...car, hp: 90 });
    const current = stateToCodes(Vehicle, car);
    const writer = new BitWriter();
    writeStateChanges(writer, Vehicle, current, changeMask(Vehicle, baseline, current));
    expect(writer.bitLength).toBe(6 + 7);

    const received = readStateChanges(new BitReader(writer.finish()), Vehicle, baseline);
    expect(codesToState(Vehicle, received)).toEqual(car);
  });
});
