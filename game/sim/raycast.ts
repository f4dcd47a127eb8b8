import type { Arena } from './arena.js';
import type { Vehicle } from './vehicle.js';
import { VEHICLE_RADIUS } from './vehicle-constants.js';
import type { World } from './world.js';

/*
 * Rays against vehicle circles and against the arena (boundary walls, boxes, pillars). Pure: they read a
 * world, for example one rewound to the tick a shooter saw, and change nothing. A ray that starts inside
 * a shape hits it at distance 0.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface VehicleRayHit {
  readonly vehicleId: number;
  /** Distance along the ray from its start to the vehicle's collision circle. */
  readonly distance: number;
}

/**
 * The first vehicle (not `ignoreId`) whose collision circle the ray from `from` along `dir` meets within
 * `maxDist`, or null. `dir` need not be unit length but must not be zero. Equal distances go to the lower id.
 */
export function raycastVehicles(
  world: World,
  from: Point,
  dir: Point,
  maxDist: number,
  ignoreId?: number,
): VehicleRayHit | null {
  const length = directionLength(dir);
  const distance = rayToVehicles(
    world.vehicles,
    from.x,
    from.y,
    dir.x / length,
    dir.y / length,
    maxDist,
    ignoreId ?? -1,
    VEHICLE_RADIUS,
  );
  return distance === Number.POSITIVE_INFINITY ? null : { vehicleId: lastVehicleHitId, distance };
}

/** Distance to the first wall, box or pillar the ray meets within `maxDist`, or null. */
export function raycastWalls(world: World, from: Point, dir: Point, maxDist: number): number | null {
  const length = directionLength(dir);
  const distance = rayToArena(world.arena, from.x, from.y, dir.x / length, dir.y / length, maxDist);
  return distance === Number.POSITIVE_INFINITY ? null : distance;
}

function directionLength(dir: Point): number {
  const length = Math.sqrt(dir.x * dir.x + dir.y * dir.y);
  if (!(length > 0) || !Number.isFinite(length))
    throw new RangeError('raycast: dir must be a finite non-zero vector');
  return length;
}

/** Id of the vehicle the last `rayToVehicles` call hit (module scratch, so rockets allocate nothing). */
let lastVehicleHitId = -1;

/** The id of the vehicle that the newest `rayToVehicles` call that hit anything hit. */
export function lastRayVehicleId(): number {
  return lastVehicleHitId;
}

/** Distance along the unit ray to the first circle of `radius` around a vehicle, or +Infinity. */
export function rayToVehicles(
  vehicles: readonly Vehicle[],
  ox: number,
  oy: number,
  dx: number,
  dy: number,
  maxDist: number,
  ignoreId: number,
  radius: number,
): number {
  let best = Number.POSITIVE_INFINITY;
  for (let index = 0; index < vehicles.length; index++) {
    const vehicle = vehicles[index] as Vehicle;
    if (vehicle.id === ignoreId) continue;
    const distance = rayToCircle(ox, oy, dx, dy, vehicle.x, vehicle.y, radius);
    if (distance <= maxDist && distance < best) {
      best = distance;
      lastVehicleHitId = vehicle.id;
    }
  }
  return best;
}

/** Distance along the unit ray to the first wall, box or pillar, or +Infinity past `maxDist`. */
export function rayToArena(
  arena: Arena,
  ox: number,
  oy: number,
  dx: number,
  dy: number,
  maxDist: number,
): number {
  let best = rayToBounds(arena, ox, oy, dx, dy);
  const boxes = arena.boxes;
  for (let index = 0; index < boxes.length; index++) {
    const box = boxes[index] as (typeof boxes)[number];
    const distance = rayToBox(ox, oy, dx, dy, box.minX, box.minY, box.maxX, box.maxY);
    if (distance < best) best = distance;
  }
  const circles = arena.circles;
  for (let index = 0; index < circles.length; index++) {
    const circle = circles[index] as (typeof circles)[number];
    const distance = rayToCircle(ox, oy, dx, dy, circle.x, circle.y, circle.radius);
    if (distance < best) best = distance;
  }
  return best <= maxDist ? best : Number.POSITIVE_INFINITY;
}

function rayToCircle(
  ox: number,
  oy: number,
  dx: number,
  dy: number,
  cx: number,
  cy: number,
  r: number,
): number {
  const mx = ox - cx;
  const my = oy - cy;
  const c = mx * mx + my * my - r * r;
  if (c <= 0) return 0;
  const b = mx * dx + my * dy;
  if (b >= 0) return Number.POSITIVE_INFINITY;
  const discriminant = b * b - c;
  if (discriminant < 0) return Number.POSITIVE_INFINITY;
  return -b - Math.sqrt(discriminant);
}

/** Slab test; 0 from inside the box. */
function rayToBox(
  ox: number,
  oy: number,
  dx: number,
  dy: number,
  minX: number,
  minY: number,
  maxX: number,
  maxY: number,
): number {
  let enter = Number.NEGATIVE_INFINITY;
  let exit = Number.POSITIVE_INFINITY;
  if (dx === 0) {
    if (ox < minX || ox > maxX) return Number.POSITIVE_INFINITY;
  } else {
    const t1 = (minX - ox) / dx;
    const t2 = (maxX - ox) / dx;
    enter = Math.max(enter, Math.min(t1, t2));
    exit = Math.min(exit, Math.max(t1, t2));
  }
  if (dy === 0) {
    if (oy < minY || oy > maxY) return Number.POSITIVE_INFINITY;
  } else {
    const t1 = (minY - oy) / dy;
    const t2 = (maxY - oy) / dy;
    enter = Math.max(enter, Math.min(t1, t2));
    exit = Math.min(exit, Math.max(t1, t2));
  }
  if (exit < 0 || enter > exit) return Number.POSITIVE_INFINITY;
  return Math.max(enter, 0);
}

/** Where the ray leaves the arena's rectangle; 0 when it starts outside. */
function rayToBounds(arena: Arena, ox: number, oy: number, dx: number, dy: number): number {
  if (ox <= 0 || oy <= 0 || ox >= arena.width || oy >= arena.height) return 0;
  let best = Number.POSITIVE_INFINITY;
  if (dx > 0) best = (arena.width - ox) / dx;
  else if (dx < 0) best = -ox / dx;
  if (dy > 0) best = Math.min(best, (arena.height - oy) / dy);
  else if (dy < 0) best = Math.min(best, -oy / dy);
  return best;
}
