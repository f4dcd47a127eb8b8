import {
  type Arena,
  addVehicle,
  createWorld,
  defineArena,
  NEUTRAL_INPUT,
  type Vehicle,
  type VehicleInput,
  type World,
} from '../../../game/sim/index.js';

/** An input with only the named controls held. */
export function input(held: Partial<VehicleInput>): VehicleInput {
  return { ...NEUTRAL_INPUT, ...held };
}

/** A 250 x 250 arena with nothing in it: driving tests that must not meet a wall. */
export const OPEN_ARENA: Arena = defineArena({
  name: 'open',
  width: 250,
  height: 250,
  boxes: [],
  circles: [],
  spawns: [{ x: 125, y: 125, angle: 0 }],
});

/** A world with one vehicle (id 1) placed and moving as given. */
export function worldWith(
  arena: Arena,
  place: Partial<Omit<Vehicle, 'id'>>,
): { world: World; vehicle: Vehicle } {
  const world = createWorld(arena);
  const vehicle = addVehicle(world, 1, 0);
  Object.assign(vehicle, place);
  return { world, vehicle };
}

export function speedOf(vehicle: Vehicle): number {
  return Math.sqrt(vehicle.vx * vehicle.vx + vehicle.vy * vehicle.vy);
}

/** Inputs for one vehicle, held for every step. */
export function holding(id: number, held: Partial<VehicleInput>): ReadonlyMap<number, VehicleInput> {
  return new Map([[id, input(held)]]);
}
