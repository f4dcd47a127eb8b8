import { describe, expect, it } from 'vitest';
import {
  addVehicle,
  createWorld,
  DEFAULT_ARENA,
  fireRocket,
  stepWorld,
  TICK_DT,
  VEHICLE_RADIUS,
  type Vehicle,
  type World,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA } from './support.js';

/** Vehicle 1 drives right into vehicle 2, which crosses its path going up at 6 u/s. */
function crossing(): { world: World; own: Vehicle; remote: Vehicle } {
  const world = createWorld(OPEN_ARENA);
  const own = addVehicle(world, 1, 0);
  const remote = addVehicle(world, 2, 0);
  Object.assign(own, { x: 100, y: 125, angle: 0, vx: 20 });
  Object.assign(remote, { x: 106, y: 124, angle: Math.PI / 2, vy: 6, spin: 0.5 });
  return { world, own, remote };
}

const ownOnly = new Set([1]);
const inputs = new Map([
  [1, input({ throttle: 1 })],
  [2, input({ throttle: 1, steer: 1, boost: true })],
]);

describe('prediction mode', () => {
  it('kinematic vehicles move straight by their velocity and spin, ignore input and are not pushed', () => {
    const { world, own, remote } = crossing();
    const start = { ...remote };
    let bumps = 0;
    for (let tick = 1; tick <= 40; tick++) {
      bumps += stepWorld(world, inputs, { dynamic: ownOnly }).filter(
        (e) => e.type === 'vehicle-collision',
      ).length;
      expect(remote.vx).toBe(start.vx);
      expect(remote.vy).toBe(start.vy);
      expect(remote.spin).toBe(start.spin);
      expect(remote.boost).toBe(start.boost);
      expect(remote.x).toBe(start.x);
      // Snapped to 1/512 every tick: within a step of the exact straight line.
      expect(Math.abs(remote.y - (start.y + tick * start.vy * TICK_DT))).toBeLessThan(tick / 1024 + 1e-9);
      expect(Math.abs(remote.angle - (start.angle + tick * start.spin * TICK_DT))).toBeLessThan(1e-3);
      // The dynamic car never ends a tick inside it.
      expect(Math.hypot(own.x - remote.x, own.y - remote.y)).toBeGreaterThanOrEqual(
        2 * VEHICLE_RADIUS - 1 / 256,
      );
    }
    expect(bumps).toBeGreaterThan(0);
    expect(own.vx).toBeLessThan(20);
  });

  it('without the option the same crash pushes the other vehicle', () => {
    const { world, remote } = crossing();
    for (let tick = 0; tick < 40; tick++) stepWorld(world, new Map([[1, input({ throttle: 1 })]]));
    expect(remote.vx).toBeGreaterThan(1);
  });

  it('kinematic vehicles pass walls untouched while rockets still fly and hit them', () => {
    const world = createWorld(DEFAULT_ARENA);
    const own = addVehicle(world, 1, 0);
    const remote = addVehicle(world, 2, 1);
    Object.assign(own, { x: 20, y: 20, angle: 0 });
    Object.assign(remote, { x: 40, y: 20.5, angle: 0, vx: 0, vy: 0 });
    const ghost = addVehicle(world, 3, 2);
    Object.assign(ghost, { x: 2, y: 140, vx: -30, vy: 0 });
    fireRocket(world, 1);
    const seen: string[] = [];
    for (let tick = 0; tick < 30; tick++) {
      for (const event of stepWorld(world, new Map(), { dynamic: ownOnly })) seen.push(event.type);
    }
    expect(seen).toContain('rocket-hit');
    expect(seen).not.toContain('wall-collision');
    // Past the left wall, where quantization's range ends.
    expect(ghost.x).toBe(0);
    expect(ghost.vx).toBe(-30);
  });
});
