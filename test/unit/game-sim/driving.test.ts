import { describe, expect, it } from 'vitest';
import {
  atan2,
  BOOST_DRAIN,
  BOOST_MAX,
  BOOST_RECHARGE,
  stepWorld,
  type Vehicle,
  type VehicleInput,
  type World,
} from '../../../game/sim/index.js';
import { holding, OPEN_ARENA, speedOf, worldWith } from './support.js';

function run(
  world: World,
  inputs: ReadonlyMap<number, VehicleInput>,
  ticks: number,
  each?: () => void,
): void {
  for (let tick = 0; tick < ticks; tick++) {
    stepWorld(world, inputs);
    each?.();
  }
}

/** Angle from the heading to the velocity's direction, in (-π, π]. */
function slipAngle(vehicle: Vehicle): number {
  const difference = atan2(vehicle.vy, vehicle.vx) - vehicle.angle;
  return atan2(Math.sin(difference), Math.cos(difference));
}

describe('driving', () => {
  it('throttle accelerates to a top speed of about 24 u/s and holds it', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 10, y: 125, angle: 0 });
    const speeds: number[] = [];
    run(world, holding(1, { throttle: 1 }), 300, () => speeds.push(speedOf(vehicle)));
    for (let i = 1; i < speeds.length; i++) expect(speeds[i]).toBeGreaterThanOrEqual(speeds[i - 1]!);
    expect(speeds[59]).toBeGreaterThan(15);
    expect(speeds.at(-1)).toBeGreaterThan(23);
    expect(speeds.at(-1)).toBeLessThanOrEqual(24);
    expect(speeds.at(-1)! - speeds[240]!).toBeLessThan(0.1);
    expect(vehicle.vy).toBe(0);
    expect(vehicle.x).toBeGreaterThan(100);
  });

  it('reverse throttle backs up, slower than forward', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 200, y: 125, angle: 0 });
    run(world, holding(1, { throttle: -1 }), 300);
    expect(vehicle.vx).toBeLessThan(-9);
    expect(vehicle.vx).toBeGreaterThan(-10.5);
    expect(vehicle.x).toBeLessThan(200);
  });

  it('boost goes past the top speed while draining energy, then recharges when released', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 5, y: 125, angle: 0, vx: 24 });
    const energies: number[] = [];
    let fastest = 0;
    run(world, holding(1, { throttle: 1, boost: true }), 200, () => {
      energies.push(vehicle.boost);
      fastest = Math.max(fastest, speedOf(vehicle));
    });
    expect(fastest).toBeGreaterThan(40);
    expect(energies[0]).toBe(BOOST_MAX - BOOST_DRAIN);
    expect(energies[9]).toBe(BOOST_MAX - 10 * BOOST_DRAIN);
    // Empty after about 2.8 s; holding the button then gives nothing, so the speed falls back.
    expect(energies.at(-1)).toBeLessThan(BOOST_DRAIN);
    expect(speedOf(vehicle)).toBeLessThan(fastest - 5);
    vehicle.x = 5;
    const before = vehicle.boost;
    run(world, holding(1, { throttle: 1 }), 10);
    expect(vehicle.boost).toBe(before + 10 * BOOST_RECHARGE);
    run(world, holding(1, {}), 600);
    expect(vehicle.boost).toBe(BOOST_MAX);
  });

  it('braking stops the car within a second and keeps it stopped; coasting stops it too', () => {
    const braked = worldWith(OPEN_ARENA, { x: 20, y: 125, angle: 0, vx: 24 });
    run(braked.world, holding(1, { brake: true }), 45);
    expect(speedOf(braked.vehicle)).toBe(0);
    expect(braked.vehicle.x).toBeLessThan(20 + 10);
    run(braked.world, holding(1, { brake: true }), 30);
    expect(speedOf(braked.vehicle)).toBe(0);

    const coasting = worldWith(OPEN_ARENA, { x: 20, y: 125, angle: 0, vx: 24 });
    run(coasting.world, holding(1, {}), 300);
    expect(speedOf(coasting.vehicle)).toBe(0);
  });

  it('steering turns the way it points, follows the heading with grip, and needs speed', () => {
    const left = worldWith(OPEN_ARENA, { x: 125, y: 125, angle: 0, vx: 10 });
    run(left.world, holding(1, { throttle: 1, steer: 0.5 }), 60);
    expect(left.vehicle.angle).toBeGreaterThan(0.8);
    expect(left.vehicle.drifting).toBe(false);
    expect(Math.abs(slipAngle(left.vehicle))).toBeLessThan(0.15);

    const right = worldWith(OPEN_ARENA, { x: 125, y: 125, angle: 0, vx: 10 });
    run(right.world, holding(1, { throttle: 1, steer: -0.5 }), 60);
    expect(right.vehicle.angle).toBeCloseTo(-left.vehicle.angle, 2);

    const standing = worldWith(OPEN_ARENA, { x: 125, y: 125, angle: 0 });
    run(standing.world, holding(1, { steer: 1 }), 60);
    expect(standing.vehicle.angle).toBe(0);
  });

  it('a hard turn at speed drifts: the velocity lags the heading, then grip comes back', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 125, y: 60, angle: 0, vx: 24 });
    let largestSlip = 0;
    run(world, holding(1, { throttle: 1, steer: 1 }), 90, () => {
      largestSlip = Math.max(largestSlip, -slipAngle(vehicle));
    });
    expect(vehicle.drifting).toBe(true);
    expect(largestSlip).toBeGreaterThan(0.3);
    // Holding the lock holds the drift instead of spinning out.
    expect(largestSlip).toBeLessThan(0.8);
    run(world, holding(1, { throttle: 1 }), 90);
    expect(vehicle.drifting).toBe(false);
    expect(Math.abs(slipAngle(vehicle))).toBeLessThan(0.05);
  });

  it('braking while steering at speed starts a slide at once', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 125, y: 60, angle: 0, vx: 20 });
    stepWorld(world, holding(1, { brake: true, steer: 1 }));
    expect(vehicle.drifting).toBe(true);
    run(world, holding(1, { brake: true, steer: 1 }), 20);
    expect(-slipAngle(vehicle)).toBeGreaterThan(0.3);
  });

  it('a vehicle without an input this tick coasts', () => {
    const { world, vehicle } = worldWith(OPEN_ARENA, { x: 20, y: 125, angle: 0, vx: 20 });
    stepWorld(world, new Map());
    expect(vehicle.vx).toBeLessThan(20);
    expect(vehicle.vx).toBeGreaterThan(19);
    expect(vehicle.x).toBeGreaterThan(20.3);
  });
});
