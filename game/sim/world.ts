import { type Arena, DEFAULT_ARENA, spawnIsClear } from './arena.js';
import type { SimEvent } from './events.js';
import { copyRocket, type Rocket } from './projectile.js';
import { MAX_VEHICLE_ID } from './schema.js';
import { copyVehicle, snapVehicle, type Vehicle } from './vehicle.js';
import { BOOST_MAX } from './vehicle-constants.js';

/**
 * Everything the simulation steps. Vehicles and rockets are kept sorted by id, the order every loop
 * uses, so results never depend on insertion order. Change them only through the functions here and in
 * projectile.ts; read them freely. The arena is frozen and shared by clones.
 */
export interface World {
  arena: Arena;
  /** Ticks stepped so far (or the tick given to createWorld plus those). */
  tick: number;
  readonly vehicles: Vehicle[];
  readonly rockets: Rocket[];
  /** Id of the next rocket fired; rocket ids are the world's own, separate from vehicle ids. */
  nextRocketId: number;
  /** Events of the newest step (see events.ts). */
  readonly events: SimEvent[];
}

export interface CreateWorldOptions {
  /** The tick the world starts at, e.g. a snapshot's server tick (default 0). */
  readonly tick?: number;
}

export function createWorld(arena: Arena = DEFAULT_ARENA, options: CreateWorldOptions = {}): World {
  const tick = options.tick ?? 0;
  if (!Number.isSafeInteger(tick) || tick < 0)
    throw new RangeError(`createWorld: tick ${tick} is not a tick`);
  return { arena, tick, vehicles: [], rockets: [], nextRocketId: 1, events: [] };
}

/** Index of the vehicle with this id, or -1 (binary search: vehicles are sorted by id). */
export function vehicleIndex(world: World, id: number): number {
  const vehicles = world.vehicles;
  let low = 0;
  let high = vehicles.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const middleId = (vehicles[middle] as Vehicle).id;
    if (middleId === id) return middle;
    if (middleId < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

export function findVehicle(world: World, id: number): Vehicle | undefined {
  const index = vehicleIndex(world, id);
  return index < 0 ? undefined : world.vehicles[index];
}

/**
 * Adds a vehicle at rest with a full boost bar, at `spawnIndex` of the arena's spawn points or, without
 * one, at the spawn point farthest from every other vehicle (ties: the lowest index). Throws a RangeError
 * for an id outside 0..MAX_VEHICLE_ID, an id already present or a spawn index the arena lacks.
 */
export function addVehicle(world: World, id: number, spawnIndex?: number): Vehicle {
  if (!Number.isInteger(id) || id < 0 || id > MAX_VEHICLE_ID) {
    throw new RangeError(`addVehicle: id ${id} is not an integer in 0..${MAX_VEHICLE_ID}`);
  }
  if (vehicleIndex(world, id) >= 0) throw new RangeError(`addVehicle: vehicle ${id} already exists`);
  const spawns = world.arena.spawns;
  const index = spawnIndex ?? farthestSpawn(world);
  const spawn = spawns[index];
  if (spawn === undefined || !Number.isInteger(index)) {
    throw new RangeError(`addVehicle: spawn ${index} is not one of the arena's ${spawns.length}`);
  }
  const vehicle: Vehicle = {
    id,
    x: spawn.x,
    y: spawn.y,
    angle: spawn.angle,
    vx: 0,
    vy: 0,
    spin: 0,
    boost: BOOST_MAX,
    drifting: false,
  };
  snapVehicle(vehicle);
  let at = world.vehicles.length;
  while (at > 0 && (world.vehicles[at - 1] as Vehicle).id > id) at--;
  world.vehicles.splice(at, 0, vehicle);
  return vehicle;
}

function farthestSpawn(world: World): number {
  let best = 0;
  let bestDistance = -1;
  world.arena.spawns.forEach((spawn, index) => {
    if (!spawnIsClear(world.arena, spawn)) return;
    let nearest = Number.POSITIVE_INFINITY;
    for (const vehicle of world.vehicles) {
      const dx = vehicle.x - spawn.x;
      const dy = vehicle.y - spawn.y;
      nearest = Math.min(nearest, dx * dx + dy * dy);
    }
    if (nearest > bestDistance) {
      best = index;
      bestDistance = nearest;
    }
  });
  return best;
}

/** Removes the vehicle; its rockets fly on. Returns whether it was there. */
export function removeVehicle(world: World, id: number): boolean {
  const index = vehicleIndex(world, id);
  if (index < 0) return false;
  world.vehicles.splice(index, 1);
  return true;
}

/** A deep copy sharing only the frozen arena, with no events: for rewinding and replaying. */
export function cloneWorld(world: World): World {
  const copy = createWorld(world.arena, { tick: world.tick });
  copyWorldInto(copy, world);
  return copy;
}

/**
 * Makes `target` equal to `source` (arena included), reusing target's vehicle and rocket objects so a
 * client replaying every snapshot allocates nothing once its world has grown. Target's events are cleared.
 */
export function copyWorldInto(target: World, source: World): void {
  target.arena = source.arena;
  target.tick = source.tick;
  target.nextRocketId = source.nextRocketId;
  target.events.length = 0;
  copyList(target.vehicles, source.vehicles, copyVehicle, newVehicle);
  copyList(target.rockets, source.rockets, copyRocket, newRocket);
}

function copyList<Item>(
  target: Item[],
  source: readonly Item[],
  copy: (into: Item, from: Item) => void,
  create: () => Item,
): void {
  if (target.length > source.length) target.length = source.length;
  for (let index = 0; index < source.length; index++) {
    let item = target[index];
    if (item === undefined) {
      item = create();
      target.push(item);
    }
    copy(item, source[index] as Item);
  }
}

function newVehicle(): Vehicle {
  return { id: 0, x: 0, y: 0, angle: 0, vx: 0, vy: 0, spin: 0, boost: 0, drifting: false };
}

function newRocket(): Rocket {
  return { id: 0, x: 0, y: 0, angle: 0, owner: 0, ttl: 0 };
}
