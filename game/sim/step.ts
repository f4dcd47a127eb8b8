import { collideVehicles, collideWithArena } from './collision.js';
import type { SimEvent } from './events.js';
import { NEUTRAL_INPUT, type VehicleInput } from './input.js';
import { type Rocket, snapRocket, stepRockets } from './projectile.js';
import { driveVehicle, integrateVehicle, snapVehicle, type Vehicle } from './vehicle.js';
import type { World } from './world.js';

export interface StepOptions {
  /**
   * Prediction mode: only the vehicles with these ids are DYNAMIC (driven by their inputs, pushed by
   * walls and each other). Every other vehicle is KINEMATIC for this step: it moves by its current
   * velocity and spin and nothing else (no input, drag, boost change or drift change; it passes through
   * walls, obstacles and vehicles untouched, and its velocity never changes), while dynamic vehicles
   * bounce off it as off an immovable wall moving at its velocity. Kinematic pairs ignore each other.
   * Rockets fly and hit every vehicle alike. Without this option every vehicle is dynamic.
   */
  readonly dynamic?: ReadonlySet<number>;
}

/** Per-vehicle dynamic flags of the current step, in vehicle order (scratch: steps never nest). */
let dynamicFlags = new Uint8Array(64);

/**
 * Advances the world one tick (TICK_DT seconds), in this order: dynamic vehicles apply their input (a
 * missing input is NEUTRAL_INPUT: the vehicle coasts); every vehicle moves by its velocity; vehicle
 * pairs collide in id order (i < j), then each dynamic vehicle against the arena, so no vehicle ends a
 * step inside a wall; rockets move and hit; every vehicle and rocket is snapped to its sync
 * quantization; `tick` grows by one. Returns this step's events (the world's list, cleared at the start).
 */
export function stepWorld(
  world: World,
  inputs: ReadonlyMap<number, VehicleInput>,
  options?: StepOptions,
): readonly SimEvent[] {
  world.events.length = 0;
  const vehicles = world.vehicles;
  const count = vehicles.length;
  if (dynamicFlags.length < count) dynamicFlags = new Uint8Array(count * 2);
  const dynamic = options?.dynamic;
  for (let index = 0; index < count; index++) {
    const vehicle = vehicles[index] as Vehicle;
    const isDynamic = dynamic === undefined || dynamic.has(vehicle.id);
    dynamicFlags[index] = isDynamic ? 1 : 0;
    if (isDynamic) driveVehicle(vehicle, inputs.get(vehicle.id) ?? NEUTRAL_INPUT);
    integrateVehicle(vehicle);
  }
  for (let i = 0; i < count; i++) {
    const a = vehicles[i] as Vehicle;
    const aDynamic = dynamicFlags[i] === 1;
    for (let j = i + 1; j < count; j++) {
      collideVehicles(world, a, vehicles[j] as Vehicle, aDynamic, dynamicFlags[j] === 1);
    }
  }
  for (let index = 0; index < count; index++) {
    if (dynamicFlags[index] === 1) collideWithArena(world, vehicles[index] as Vehicle);
  }
  stepRockets(world);
  for (let index = 0; index < count; index++) snapVehicle(vehicles[index] as Vehicle);
  const rockets = world.rockets;
  for (let index = 0; index < rockets.length; index++) snapRocket(rockets[index] as Rocket);
  world.tick++;
  return world.events;
}
