import { isEntityOf, type SyncedEntity, type SyncedState } from 'vehikill-net/client';
import {
  type Arena,
  createWorld,
  type Rocket,
  RocketEntity,
  type RocketState,
  type Vehicle,
  VehicleEntity,
  type World,
} from '../../sim/index.js';
import type { GAME_ENTITY_TYPES } from '../protocol/entity-types.js';

export type GameSyncedState = SyncedState<typeof GAME_ENTITY_TYPES>;

/**
 * The simulation world as a player last decoded it, at the snapshot's tick: the starting point of every
 * prediction replay. Vehicles keep their sim ids; rockets take their sync ids (only their order matters
 * to a client, which never fires them itself).
 */
export function snapshotWorld(synced: GameSyncedState, arena: Arena, tick: number): World {
  const world = createWorld(arena, { tick });
  for (const entity of synced.entities()) {
    if (isEntityOf(entity, VehicleEntity)) world.vehicles.push(vehicleFrom(entity));
    else if (isEntityOf(entity, RocketEntity)) world.rockets.push(rocketFrom(entity.id, entity.state));
  }
  world.vehicles.sort((a, b) => a.id - b.id);
  world.rockets.sort((a, b) => a.id - b.id);
  return world;
}

/** The sim vehicle a synced vehicle entity stands for. */
export function vehicleFrom(entity: SyncedEntity<typeof VehicleEntity>): Vehicle {
  return { ...entity.state, id: vehicleIdOf(entity) };
}

/** The player's vehicle id a synced vehicle entity carries. */
export function vehicleIdOf(entity: SyncedEntity<typeof VehicleEntity>): number {
  return entity.state.id;
}

function rocketFrom(id: number, state: RocketState): Rocket {
  return { ...state, id };
}
