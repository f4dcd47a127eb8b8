import { BitReader, BitWriter } from 'vehikill-net/protocol';
import {
  type AnyEntityType,
  codesToState,
  quantizeState,
  readFullState,
  stateToCodes,
  writeFullState,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  addVehicle,
  createWorld,
  DEFAULT_ARENA,
  fireRocket,
  RocketEntity,
  ScriptedDriving,
  stepWorld,
  VehicleEntity,
  type World,
} from '../../../game/sim/index.js';

/** The entity's state as a client decodes it from a full-state encoding of `state`. */
function decoded(entity: AnyEntityType, state: object): Record<string, unknown> {
  const writer = new BitWriter();
  writeFullState(writer, entity, stateToCodes(entity, state as never));
  return codesToState(entity, readFullState(new BitReader(writer.finish()), entity)) as Record<
    string,
    unknown
  >;
}

function withoutId<T extends { id: number }>(value: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = value;
  return rest;
}

describe('quantized state', () => {
  it('the schemas cost the bits schema.ts documents', () => {
    expect(VehicleEntity.maxBits).toBe(120);
    expect(RocketEntity.maxBits).toBe(74);
  });

  it('after every tick each vehicle and rocket is exactly what a client decodes from the wire', () => {
    const world: World = createWorld(DEFAULT_ARENA);
    for (let id = 1; id <= 8; id++) addVehicle(world, id);
    const driving = new ScriptedDriving(9);
    let rocketsChecked = 0;
    for (let tick = 0; tick < 600; tick++) {
      stepWorld(world, driving.prepare(world));
      for (const vehicle of world.vehicles) {
        // A vehicle's id is one of its synced fields: the whole object is what a client decodes.
        expect(decoded(VehicleEntity, vehicle)).toEqual(vehicle);
        expect(quantizeState(VehicleEntity, vehicle)).toEqual(vehicle);
      }
      for (const rocket of world.rockets) {
        expect(decoded(RocketEntity, rocket)).toEqual(withoutId(rocket));
        rocketsChecked++;
      }
    }
    expect(rocketsChecked).toBeGreaterThan(100);
  });

  it('a vehicle is snapped from the moment it spawns, and a rocket from the moment it is fired', () => {
    const world = createWorld(DEFAULT_ARENA);
    const vehicle = addVehicle(world, 3, 5);
    expect(decoded(VehicleEntity, vehicle)).toEqual(vehicle);
    const rocket = fireRocket(world, 3);
    expect(decoded(RocketEntity, rocket)).toEqual(withoutId(rocket));
  });
});
