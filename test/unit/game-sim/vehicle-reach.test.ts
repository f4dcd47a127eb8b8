import { describe, expect, it } from 'vitest';
import { NEUTRAL_INPUT, nearestInBoth, vehicleReach } from '../../../game/sim/index.js';
import { driveVehicle, integrateVehicle, snapVehicle, type Vehicle } from '../../../game/sim/vehicle.js';

/** A small deterministic generator: the same drives every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('vehicleReach', () => {
  it('holds every drive the model allows, for half a second, from any speed, heading and slide', () => {
    const next = random(7);
    let worstMargin = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 400; run++) {
      const speed = next() * 60;
      const heading = next() * 2 * Math.PI;
      const slide = (next() - 0.5) * 1.5; // velocity up to ~43° off the heading, as in a drift
      const start: Vehicle = {
        id: 1,
        x: 128,
        y: 128,
        angle: heading,
        vx: speed * Math.cos(heading + slide),
        vy: speed * Math.sin(heading + slide),
        spin: (next() - 0.5) * 8,
        boost: 1000,
        drifting: next() < 0.5,
      };
      snapVehicle(start);
      const car = { ...start };
      let input = NEUTRAL_INPUT;
      for (let tick = 1; tick <= 30; tick++) {
        // Inputs held for a few ticks at a time, from the extremes the controls give.
        if (tick === 1 || next() < 0.3) {
          input = {
            ...NEUTRAL_INPUT,
            throttle: [-1, 0, 1][Math.floor(next() * 3)] as number,
            steer: [-1, 0, 1][Math.floor(next() * 3)] as number,
            brake: next() < 0.3,
            boost: next() < 0.4,
          };
        }
        driveVehicle(car, input);
        integrateVehicle(car);
        snapVehicle(car);
        const { speed: a, course: b } = vehicleReach(start, tick);
        worstMargin = Math.min(worstMargin, a.r - Math.hypot(car.x - a.x, car.y - a.y));
        worstMargin = Math.min(worstMargin, b.r - Math.hypot(car.x - b.x, car.y - b.y));
      }
    }
    expect(worstMargin).toBeGreaterThanOrEqual(0);
  });

  it('is small a moment ahead: a car cannot swerve or stop at once', () => {
    const { speed, course } = vehicleReach({ x: 100, y: 100, vx: 24, vy: 0 }, 3);
    // 50 ms at 24 u/s is 1.2 u along +x; no input moves the car more than a few tenths off that.
    expect(course.x).toBeCloseTo(101.2, 9);
    expect(course.r).toBeLessThan(0.5);
    expect(speed.r).toBeLessThan(1.5);
  });
});

describe('nearestInBoth', () => {
  const a = { x: 0, y: 0, r: 5 };
  const b = { x: 4, y: 0, r: 2 };

  it('keeps a point inside both, and projects onto the disc that holds it out', () => {
    expect(nearestInBoth(4, 1, a, b)).toEqual({ x: 4, y: 1 });
    expect(nearestInBoth(4, -10, a, b).x).toBeCloseTo(4, 9); // straight down onto b, which a holds
    const ahead = nearestInBoth(20, 0, a, b);
    expect(ahead.x).toBeCloseTo(5, 9); // onto a: b reaches 6, but a only 5
    expect(ahead.y).toBeCloseTo(0, 9);
  });

  it('gives the corner where the circles cross when neither projection is in the other disc', () => {
    const corner = nearestInBoth(10, 6, a, b);
    expect(Math.hypot(corner.x - a.x, corner.y - a.y)).toBeCloseTo(a.r, 9);
    expect(Math.hypot(corner.x - b.x, corner.y - b.y)).toBeCloseTo(b.r, 9);
    expect(corner.y).toBeGreaterThan(0);
  });
});
