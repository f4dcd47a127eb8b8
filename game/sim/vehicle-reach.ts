import { TICK_DT } from './time.js';
import {
  BOOST_ACCEL,
  BRAKE_DECEL,
  DRAG,
  DRIFT_GRIP,
  ENGINE_ACCEL,
  GRIP,
  MAX_SPEED,
  REVERSE_ACCEL,
  ROLL_DECEL,
} from './vehicle-constants.js';

/** A disc in world units. */
export interface Disc {
  readonly x: number;
  readonly y: number;
  readonly r: number;
}

/** The state a reach is computed from: where a vehicle is and how fast it goes. */
export interface Motion {
  readonly x: number;
  readonly y: number;
  readonly vx: number;
  readonly vy: number;
}

/**
 * Slack for the snap at the end of every tick (schema.ts): velocity to 1/256 u/s and position to 1/512 u,
 * so each tick may round either by up to half a step per axis. One whole step is generous and keeps it simple.
 */
const VELOCITY_SNAP = 1 / 256;
const POSITION_SNAP = 1 / 512;

/**
 * Where a vehicle that is at `from` can be `ticks` ticks later by its own driving, whatever its inputs:
 * inside both discs returned (their intersection is never empty: the second's centre is inside the first).
 * - `speed`, round `from`: it cannot go faster than it was going plus what engine and boost add per tick,
 *   and never past MAX_SPEED.
 * - `course`, round the straight line (`from` moved by its velocity): its velocity cannot change faster
 *   than the hardest the model pushes it in a tick (braking at full speed, with the tyres' side grip), nor
 *   differ from the first by more than the two speeds together. A short while ahead this is a small disc
 *   (no car stops or swerves at once); later it spans turns, brakes and drifts.
 * Collisions are not in it (walls and cars push harder than any input): those are what tolerances are for.
 * `driveVehicle` in vehicle.ts is the model these bounds follow; change them with it.
 */
export function vehicleReach(from: Motion, ticks: number): { speed: Disc; course: Disc } {
  const speed0 = length(from.vx, from.vy);
  // A snapshot may carry a collision's speed past MAX_SPEED: the bounds must still hold for it.
  const topSpeed = Math.max(MAX_SPEED, speed0);
  const forwardChange = Math.max(
    DRAG * topSpeed + 2 * BRAKE_DECEL, // reverse throttle (braking) and the brake, at full speed
    DRAG * topSpeed + ENGINE_ACCEL + BOOST_ACCEL, // throttle while rolling backwards fast
    DRAG * topSpeed + REVERSE_ACCEL,
    DRAG * topSpeed + ROLL_DECEL,
  );
  const maxAccel = length(forwardChange, Math.max(GRIP, DRIFT_GRIP)) + VELOCITY_SNAP / TICK_DT;
  // Speed grows by throttle and boost alone (grip, brake and drag only take it away).
  const maxGain = ENGINE_ACCEL + BOOST_ACCEL + VELOCITY_SNAP / TICK_DT;
  // The first tick of a car going faster than MAX_SPEED cuts it down to it, however little it drives.
  const cut = speed0 - Math.min(speed0, MAX_SPEED);
  let reach = 0;
  let swerve = 0;
  const n = Math.max(0, Math.ceil(ticks - 1e-9));
  // The model moves by the velocity after each tick's driving (semi-implicit Euler): sum those.
  for (let k = 1; k <= n; k++) {
    const fastest = Math.min(topSpeed, speed0 + k * maxGain * TICK_DT);
    reach += fastest * TICK_DT;
    swerve += Math.min(cut + k * maxAccel * TICK_DT, speed0 + fastest) * TICK_DT;
  }
  const slack = n * POSITION_SNAP;
  const seconds = n * TICK_DT;
  return {
    speed: { x: from.x, y: from.y, r: reach + slack },
    course: { x: from.x + from.vx * seconds, y: from.y + from.vy * seconds, r: swerve + slack },
  };
}

/** The point of the intersection of two discs nearest to `x, y` (itself when inside both). */
export function nearestInBoth(
  x: number,
  y: number,
  a: Disc,
  b: Disc,
): { readonly x: number; readonly y: number } {
  if (inside(x, y, a) && inside(x, y, b)) return { x, y };
  for (const [onto, other] of [
    [b, a],
    [a, b],
  ] as const) {
    const projected = project(x, y, onto);
    if (inside(projected.x, projected.y, other)) return projected;
  }
  // Neither projection is in the other disc: the nearest point is a corner where the circles cross.
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = length(dx, dy);
  if (d === 0) return project(x, y, a.r < b.r ? a : b);
  const along = (a.r * a.r - b.r * b.r + d * d) / (2 * d);
  const across = Math.sqrt(Math.max(0, a.r * a.r - along * along));
  const mx = a.x + (dx * along) / d;
  const my = a.y + (dy * along) / d;
  const first = { x: mx - (dy * across) / d, y: my + (dx * across) / d };
  const second = { x: mx + (dy * across) / d, y: my - (dx * across) / d };
  return length(first.x - x, first.y - y) <= length(second.x - x, second.y - y) ? first : second;
}

/** By sqrt, not hypot: the sim uses only the Math every engine computes alike (forbidden-math test). */
function length(dx: number, dy: number): number {
  return Math.sqrt(dx * dx + dy * dy);
}

/** Rounding in the projections must not leave a point on a circle "outside" it. */
const EPSILON = 1e-9;

function inside(x: number, y: number, disc: Disc): boolean {
  return length(x - disc.x, y - disc.y) <= disc.r + EPSILON;
}

function project(x: number, y: number, disc: Disc): { readonly x: number; readonly y: number } {
  const d = length(x - disc.x, y - disc.y);
  if (d <= disc.r) return { x, y };
  return { x: disc.x + ((x - disc.x) * disc.r) / d, y: disc.y + ((y - disc.y) * disc.r) / d };
}
