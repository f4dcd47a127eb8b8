import { lastRayVehicleId, rayToArena, rayToVehicles } from './raycast.js';
import { RocketEntity } from './schema.js';
import { TICK_DT } from './time.js';
import { cos, sin } from './trig.js';
import { VEHICLE_RADIUS } from './vehicle-constants.js';
import type { World } from './world.js';
import { findVehicle } from './world.js';

/** A rocket in flight: its id (the world's own) plus exactly the fields of `RocketEntity`. */
export interface Rocket {
  id: number;
  x: number;
  y: number;
  /** Direction of flight, radians from +x toward +y: the velocity is ROCKET_SPEED along it. */
  angle: number;
  owner: number;
  /** Ticks left before it expires in flight. */
  ttl: number;
}

/** Flight speed (u/s): 1.2 u a tick, faster than a boosting car (44 u/s). */
export const ROCKET_SPEED = 72;
/** Time to live in ticks: 2.5 s, 180 u of range. */
export const ROCKET_TTL_TICKS = 150;
/** Added to a vehicle's radius when testing rocket hits: a near miss by a hair still counts. */
export const ROCKET_RADIUS = 0.25;
/** Rockets appear this far ahead of the firing vehicle's centre, just past its nose. */
export const ROCKET_SPAWN_DISTANCE = VEHICLE_RADIUS + 0.5;

const STEP_DISTANCE = ROCKET_SPEED * TICK_DT;
const fields = RocketEntity.field;

/**
 * Fires a rocket from `ownerId`'s nose along its heading, snapped like any entity, and returns it; it first
 * moves in the next `stepWorld`. Cooldowns and ammo are the caller's (rules layer's) business. Throws a
 * RangeError when the owner does not exist. A rocket spawned inside a wall or another vehicle explodes or
 * hits at once on the next step.
 */
export function fireRocket(world: World, ownerId: number): Rocket {
  const owner = findVehicle(world, ownerId);
  if (owner === undefined) throw new RangeError(`fireRocket: no vehicle ${ownerId}`);
  const rocket: Rocket = {
    id: world.nextRocketId++,
    x: owner.x + cos(owner.angle) * ROCKET_SPAWN_DISTANCE,
    y: owner.y + sin(owner.angle) * ROCKET_SPAWN_DISTANCE,
    angle: owner.angle,
    owner: ownerId,
    ttl: ROCKET_TTL_TICKS,
  };
  snapRocket(rocket);
  // Ids only grow, so appending keeps the list sorted.
  world.rockets.push(rocket);
  return rocket;
}

/**
 * Moves every rocket one tick, in id order, along its straight path: the first thing on this tick's path
 * ends it. A vehicle other than the owner (circle of VEHICLE_RADIUS + ROCKET_RADIUS) gives `rocket-hit`,
 * a wall, box or pillar (the rocket's centre reaching it) gives `rocket-exploded`; when both lie on the
 * path the nearer wins, a tie going to the vehicle. A rocket that runs out of ttl gives `rocket-expired`.
 * Vehicles are where this tick left them.
 */
export function stepRockets(world: World): void {
  const rockets = world.rockets;
  let kept = 0;
  for (let index = 0; index < rockets.length; index++) {
    const rocket = rockets[index] as Rocket;
    const dx = cos(rocket.angle);
    const dy = sin(rocket.angle);
    const wall = rayToArena(world.arena, rocket.x, rocket.y, dx, dy, STEP_DISTANCE);
    const vehicleReach = Math.min(wall, STEP_DISTANCE);
    const hitRadius = VEHICLE_RADIUS + ROCKET_RADIUS;
    const hit = rayToVehicles(
      world.vehicles,
      rocket.x,
      rocket.y,
      dx,
      dy,
      vehicleReach,
      rocket.owner,
      hitRadius,
    );
    if (hit !== Number.POSITIVE_INFINITY) {
      world.events.push({
        type: 'rocket-hit',
        rocket: rocket.id,
        owner: rocket.owner,
        vehicle: lastRayVehicleId(),
        x: rocket.x + dx * hit,
        y: rocket.y + dy * hit,
      });
      continue;
    }
    if (wall !== Number.POSITIVE_INFINITY) {
      world.events.push({
        type: 'rocket-exploded',
        rocket: rocket.id,
        owner: rocket.owner,
        x: rocket.x + dx * wall,
        y: rocket.y + dy * wall,
      });
      continue;
    }
    rocket.x += dx * STEP_DISTANCE;
    rocket.y += dy * STEP_DISTANCE;
    rocket.ttl -= 1;
    if (rocket.ttl <= 0) {
      world.events.push({
        type: 'rocket-expired',
        rocket: rocket.id,
        owner: rocket.owner,
        x: rocket.x,
        y: rocket.y,
      });
      continue;
    }
    rockets[kept++] = rocket;
  }
  rockets.length = kept;
}

export function snapRocket(rocket: Rocket): void {
  rocket.x = fields.x.dequantize(fields.x.quantize(rocket.x));
  rocket.y = fields.y.dequantize(fields.y.quantize(rocket.y));
  rocket.angle = fields.angle.dequantize(fields.angle.quantize(rocket.angle));
  rocket.owner = fields.owner.dequantize(fields.owner.quantize(rocket.owner));
  rocket.ttl = fields.ttl.dequantize(fields.ttl.quantize(rocket.ttl));
}

export function copyRocket(target: Rocket, source: Rocket): void {
  target.id = source.id;
  target.x = source.x;
  target.y = source.y;
  target.angle = source.angle;
  target.owner = source.owner;
  target.ttl = source.ttl;
}
