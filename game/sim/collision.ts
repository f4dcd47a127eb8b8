import type { SimEvent } from './events.js';
import type { Vehicle } from './vehicle.js';
import { VEHICLE_RADIUS } from './vehicle-constants.js';
import type { World } from './world.js';

/*
 * Contacts between vehicle circles and the world. Positions are pushed apart along the contact normal,
 * then an impulse removes the approaching speed with restitution, and Coulomb friction (at most
 * friction x normal impulse) slows sliding along the contact. No contact starts a rotation: the circle
 * shape has no lever arm, and the drive model's yaw already reacts to the new velocity.
 */

/** Share of the approach speed a wall or obstacle gives back. */
export const WALL_RESTITUTION = 0.4;
export const WALL_FRICTION = 0.3;
/** Share of the closing speed two vehicles give back. */
export const VEHICLE_RESTITUTION = 0.5;
export const VEHICLE_FRICTION = 0.2;

const RADIUS = VEHICLE_RADIUS;
const CONTACT_DISTANCE = 2 * VEHICLE_RADIUS;

/**
 * A vehicle touching something immovable, `depth` deep along the unit normal (nx, ny) pointing from it
 * to the vehicle: push out, bounce, rub, and report it when the vehicle was approaching.
 */
function resolveStaticContact(
  events: SimEvent[],
  vehicle: Vehicle,
  nx: number,
  ny: number,
  depth: number,
): void {
  vehicle.x += nx * depth;
  vehicle.y += ny * depth;
  const approach = vehicle.vx * nx + vehicle.vy * ny;
  if (approach >= 0) return;
  const impulse = -(1 + WALL_RESTITUTION) * approach;
  applyImpulse(vehicle, nx, ny, approach, impulse, WALL_FRICTION * impulse);
  events.push({
    type: 'wall-collision',
    vehicle: vehicle.id,
    impulse,
    x: vehicle.x - nx * RADIUS,
    y: vehicle.y - ny * RADIUS,
  });
}

/**
 * Adds the normal impulse and takes up to `maxFriction` off the tangential velocity (relative velocity
 * here is the vehicle's own: the other side does not move).
 */
function applyImpulse(
  vehicle: Vehicle,
  nx: number,
  ny: number,
  approach: number,
  impulse: number,
  maxFriction: number,
): void {
  const tx = vehicle.vx - approach * nx;
  const ty = vehicle.vy - approach * ny;
  const tangentSpeed = Math.sqrt(tx * tx + ty * ty);
  const keep = tangentSpeed > maxFriction ? 1 - maxFriction / tangentSpeed : 0;
  vehicle.vx = nx * (approach + impulse) + tx * keep;
  vehicle.vy = ny * (approach + impulse) + ty * keep;
}

/** Keeps a vehicle inside the arena's walls and out of every box and pillar. */
export function collideWithArena(world: World, vehicle: Vehicle): void {
  const { arena, events } = world;
  if (vehicle.x < RADIUS) resolveStaticContact(events, vehicle, 1, 0, RADIUS - vehicle.x);
  else if (vehicle.x > arena.width - RADIUS) {
    resolveStaticContact(events, vehicle, -1, 0, vehicle.x - (arena.width - RADIUS));
  }
  if (vehicle.y < RADIUS) resolveStaticContact(events, vehicle, 0, 1, RADIUS - vehicle.y);
  else if (vehicle.y > arena.height - RADIUS) {
    resolveStaticContact(events, vehicle, 0, -1, vehicle.y - (arena.height - RADIUS));
  }
  const boxes = arena.boxes;
  for (let index = 0; index < boxes.length; index++) {
    const box = boxes[index] as (typeof boxes)[number];
    const closestX = Math.min(Math.max(vehicle.x, box.minX), box.maxX);
    const closestY = Math.min(Math.max(vehicle.y, box.minY), box.maxY);
    const dx = vehicle.x - closestX;
    const dy = vehicle.y - closestY;
    const distanceSquared = dx * dx + dy * dy;
    if (distanceSquared >= RADIUS * RADIUS) continue;
    if (distanceSquared > 0) {
      const distance = Math.sqrt(distanceSquared);
      resolveStaticContact(events, vehicle, dx / distance, dy / distance, RADIUS - distance);
    } else {
      // The centre is inside (only a teleport or a spawn can do that: a tick's move is under RADIUS):
      // leave by the nearest face.
      const left = vehicle.x - box.minX;
      const right = box.maxX - vehicle.x;
      const down = vehicle.y - box.minY;
      const up = box.maxY - vehicle.y;
      const nearest = Math.min(left, right, down, up);
      if (nearest === left) resolveStaticContact(events, vehicle, -1, 0, left + RADIUS);
      else if (nearest === right) resolveStaticContact(events, vehicle, 1, 0, right + RADIUS);
      else if (nearest === down) resolveStaticContact(events, vehicle, 0, -1, down + RADIUS);
      else resolveStaticContact(events, vehicle, 0, 1, up + RADIUS);
    }
  }
  const circles = arena.circles;
  for (let index = 0; index < circles.length; index++) {
    const circle = circles[index] as (typeof circles)[number];
    const dx = vehicle.x - circle.x;
    const dy = vehicle.y - circle.y;
    const reach = RADIUS + circle.radius;
    const distanceSquared = dx * dx + dy * dy;
    if (distanceSquared >= reach * reach) continue;
    const distance = Math.sqrt(distanceSquared);
    // A centre exactly on the pillar's leaves along +x: any fixed choice keeps it deterministic.
    if (distance > 0) resolveStaticContact(events, vehicle, dx / distance, dy / distance, reach - distance);
    else resolveStaticContact(events, vehicle, 1, 0, reach);
  }
}

/**
 * Two vehicle circles, `a` before `b` in id order. Both dynamic: equal masses, each pushed half the
 * overlap, equal and opposite impulses (momentum is conserved). One kinematic: it is an immovable wall for
 * the other. Both kinematic: nothing happens.
 */
export function collideVehicles(
  world: World,
  a: Vehicle,
  b: Vehicle,
  aDynamic: boolean,
  bDynamic: boolean,
): void {
  if (!aDynamic && !bDynamic) return;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  if (
    dx >= CONTACT_DISTANCE ||
    dx <= -CONTACT_DISTANCE ||
    dy >= CONTACT_DISTANCE ||
    dy <= -CONTACT_DISTANCE
  ) {
    return;
  }
  const distanceSquared = dx * dx + dy * dy;
  if (distanceSquared >= CONTACT_DISTANCE * CONTACT_DISTANCE) return;
  const distance = Math.sqrt(distanceSquared);
  const depth = CONTACT_DISTANCE - distance;
  // Stacked exactly: separate along +x, a fixed choice so every engine picks the same.
  const nx = distance > 0 ? dx / distance : 1;
  const ny = distance > 0 ? dy / distance : 0;
  if (aDynamic && bDynamic) {
    a.x -= nx * depth * 0.5;
    a.y -= ny * depth * 0.5;
    b.x += nx * depth * 0.5;
    b.y += ny * depth * 0.5;
  } else if (aDynamic) {
    a.x -= nx * depth;
    a.y -= ny * depth;
  } else {
    b.x += nx * depth;
    b.y += ny * depth;
  }
  const rvx = b.vx - a.vx;
  const rvy = b.vy - a.vy;
  const closing = rvx * nx + rvy * ny;
  if (closing >= 0) return;
  // Relative tangential velocity, and the friction that may act on it.
  const tx = rvx - closing * nx;
  const ty = rvy - closing * ny;
  const tangentSpeed = Math.sqrt(tx * tx + ty * ty);
  let impulse: number;
  let frictionScale: number;
  if (aDynamic && bDynamic) {
    // Two unit masses: the reduced mass is 1/2.
    impulse = (-(1 + VEHICLE_RESTITUTION) * closing) / 2;
    const friction = Math.min(VEHICLE_FRICTION * impulse, tangentSpeed / 2);
    frictionScale = tangentSpeed > 0 ? friction / tangentSpeed : 0;
    a.vx -= nx * impulse - tx * frictionScale;
    a.vy -= ny * impulse - ty * frictionScale;
    b.vx += nx * impulse - tx * frictionScale;
    b.vy += ny * impulse - ty * frictionScale;
  } else {
    impulse = -(1 + VEHICLE_RESTITUTION) * closing;
    const friction = Math.min(VEHICLE_FRICTION * impulse, tangentSpeed);
    frictionScale = tangentSpeed > 0 ? friction / tangentSpeed : 0;
    if (aDynamic) {
      a.vx -= nx * impulse - tx * frictionScale;
      a.vy -= ny * impulse - ty * frictionScale;
    } else {
      b.vx += nx * impulse - tx * frictionScale;
      b.vy += ny * impulse - ty * frictionScale;
    }
  }
  world.events.push({
    type: 'vehicle-collision',
    a: a.id,
    b: b.id,
    impulse,
    x: a.x + nx * RADIUS,
    y: a.y + ny * RADIUS,
  });
}
