import { describe, expect, it } from 'vitest';
import {
  addVehicle,
  createWorld,
  DEFAULT_ARENA,
  ScriptedDriving,
  type SimEvent,
  stepWorld,
  VEHICLE_RADIUS,
  type VehicleCollisionEvent,
  WALL_RESTITUTION,
  type WallCollisionEvent,
  type World,
} from '../../../game/sim/index.js';
import { holding, OPEN_ARENA, worldWith } from './support.js';

/** Positions are snapped to 1/512 after the push-out: allow that much. */
const SNAP = 1 / 512;

/** Every way the vehicles of `world` break the arena's walls right now. */
function wallViolations(world: World): string[] {
  const { arena } = world;
  const found: string[] = [];
  const r = VEHICLE_RADIUS - SNAP;
  for (const v of world.vehicles) {
    if (v.x < r || v.y < r || v.x > arena.width - r || v.y > arena.height - r) {
      found.push(`tick ${world.tick}: vehicle ${v.id} outside at ${v.x}, ${v.y}`);
    }
    arena.boxes.forEach((box, index) => {
      const dx = v.x - Math.min(Math.max(v.x, box.minX), box.maxX);
      const dy = v.y - Math.min(Math.max(v.y, box.minY), box.maxY);
      if (dx * dx + dy * dy < r * r) found.push(`tick ${world.tick}: vehicle ${v.id} in box ${index}`);
    });
    arena.circles.forEach((circle, index) => {
      if (Math.hypot(v.x - circle.x, v.y - circle.y) < r + circle.radius) {
        found.push(`tick ${world.tick}: vehicle ${v.id} in pillar ${index}`);
      }
    });
  }
  return found;
}

function ofType<Type extends SimEvent['type']>(events: readonly SimEvent[], type: Type) {
  return events.filter((event): event is Extract<SimEvent, { type: Type }> => event.type === type);
}

describe('collisions', () => {
  it('vehicles never leave the arena or overlap an obstacle under a random driving script', () => {
    const world = createWorld(DEFAULT_ARENA);
    for (let id = 1; id <= 16; id++) addVehicle(world, id);
    const driving = new ScriptedDriving(1234);
    let wallHits = 0;
    for (let tick = 0; tick < 2500; tick++) {
      const events = stepWorld(world, driving.prepare(world));
      wallHits += ofType(events, 'wall-collision').length;
      const violations = wallViolations(world);
      if (violations.length > 0) expect.unreachable(violations.join('\n'));
    }
    expect(wallHits).toBeGreaterThan(100);
  });

  it('a car driven into a wall is pushed out and bounces back with the wall restitution', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 1.5, y: 125, angle: Math.PI, vx: -20 });
    const events: WallCollisionEvent[] = [];
    let bounceSpeed = 0;
    for (let tick = 0; tick < 10; tick++) {
      const hits = ofType(stepWorld(world, new Map()), 'wall-collision');
      if (hits.length > 0) bounceSpeed = vehicle.vx;
      events.push(...hits);
    }
    expect(events).toHaveLength(1);
    const [hit] = events;
    expect(hit!.vehicle).toBe(1);
    expect(hit!.x).toBeCloseTo(0, 5);
    // Coasting loses about 0.55 u/s a tick before the contact on the second tick.
    expect(hit!.impulse).toBeGreaterThan(18.5 * (1 + WALL_RESTITUTION));
    expect(hit!.impulse).toBeLessThan(20 * (1 + WALL_RESTITUTION));
    expect(vehicle.x).toBeGreaterThanOrEqual(VEHICLE_RADIUS);
    expect(bounceSpeed).toBeGreaterThan(WALL_RESTITUTION * 18.5);
    expect(bounceSpeed).toBeLessThan(WALL_RESTITUTION * 20);
    expect(vehicle.vx).toBeGreaterThan(0);
  });

  it('grazing a wall keeps most of the speed along it (friction, not a stop)', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 1.01, y: 125, angle: Math.PI / 2, vx: -2, vy: 20 });
    const [hit] = stepWorld(world, new Map());
    expect(hit?.type).toBe('wall-collision');
    expect(vehicle.vx).toBeGreaterThan(0);
    expect(vehicle.vy).toBeGreaterThan(18);
  });

  it('two vehicles that collide keep their total momentum, exchange speed and separate', () => {
    const world = createWorld(OPEN_ARENA);
    const a = addVehicle(world, 1, 0);
    const b = addVehicle(world, 2, 0);
    Object.assign(a, { x: 100, y: 125, angle: 0, vx: 12, vy: 0 });
    Object.assign(b, { x: 102.5, y: 125.5, angle: 0, vx: 0, vy: 0 });
    let collision: VehicleCollisionEvent | undefined;
    let momentumBefore = { x: 0, y: 0 };
    for (let tick = 0; tick < 20 && collision === undefined; tick++) {
      momentumBefore = { x: a.vx + b.vx, y: a.vy + b.vy };
      collision = ofType(stepWorld(world, new Map()), 'vehicle-collision')[0];
    }
    expect(collision).toMatchObject({ a: 1, b: 2 });
    expect(collision!.impulse).toBeGreaterThan(5);
    // Drag and rolling resistance act during the same tick: "roughly" is a few percent.
    expect(a.vx + b.vx).toBeCloseTo(momentumBefore.x, 0);
    expect(Math.abs(a.vx + b.vx - momentumBefore.x)).toBeLessThan(0.05 * momentumBefore.x);
    expect(Math.abs(a.vy + b.vy - momentumBefore.y)).toBeLessThan(0.05 * momentumBefore.x);
    expect(b.vx).toBeGreaterThan(a.vx);
    expect(b.vy).toBeGreaterThan(0);
    expect(a.vy).toBeLessThan(0);
    for (let tick = 0; tick < 30; tick++) stepWorld(world, new Map());
    expect(Math.hypot(b.x - a.x, b.y - a.y)).toBeGreaterThan(2 * VEHICLE_RADIUS);
  });

  it('overlapping vehicles are pushed apart even when neither moves, and a pushing car shoves a parked one', () => {
    const world = createWorld(OPEN_ARENA);
    const a = addVehicle(world, 1, 0);
    const b = addVehicle(world, 2, 0);
    Object.assign(a, { x: 100, y: 125, angle: 0 });
    Object.assign(b, { x: 100, y: 125, angle: 0 });
    stepWorld(world, new Map());
    expect(Math.hypot(b.x - a.x, b.y - a.y)).toBeGreaterThanOrEqual(2 * VEHICLE_RADIUS - 2 / 512);
    Object.assign(b, { x: 103, y: 125 });
    const start = b.x;
    for (let tick = 0; tick < 120; tick++) stepWorld(world, holding(1, { throttle: 1 }));
    expect(b.x).toBeGreaterThan(start + 10);
  });
});
