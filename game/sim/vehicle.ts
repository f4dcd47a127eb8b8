import { quantizeSteer, quantizeThrottle, type VehicleInput } from './input.js';
import { VehicleEntity } from './schema.js';
import { TICK_DT } from './time.js';
import { cos, sin } from './trig.js';
import {
  BOOST_ACCEL,
  BOOST_DRAIN,
  BOOST_MAX,
  BOOST_RECHARGE,
  BRAKE_DECEL,
  DRAG,
  DRIFT_ENTER_SLIP,
  DRIFT_EXIT_SLIP,
  DRIFT_GRIP,
  DRIFT_TURN_FACTOR,
  ENGINE_ACCEL,
  FULL_TURN_SPEED,
  GRIP,
  HANDBRAKE_TURN_MIN_SPEED,
  MAX_DRIFT_SLIP,
  MAX_SPEED,
  MAX_TURN_RATE,
  REVERSE_ACCEL,
  ROLL_DECEL,
  TURN_FALLOFF_SPEED,
  YAW_ACCEL,
} from './vehicle-constants.js';

/**
 * One vehicle's simulated state: its id plus exactly the fields of `VehicleEntity`, so a Vehicle can be
 * handed to the sync layer as it is. `angle` is the heading in radians from +x toward +y (positive steer
 * turns that way); velocity is in world space. Health, ammo and the like belong to the rules layer, keyed
 * by the same id.
 */
export interface Vehicle {
  id: number;
  x: number;
  y: number;
  angle: number;
  vx: number;
  vy: number;
  spin: number;
  boost: number;
  drifting: boolean;
}

/** Moves `value` toward zero by at most `amount` (≥ 0), never past it. */
function towardZero(value: number, amount: number): number {
  if (value > amount) return value - amount;
  if (value < -amount) return value + amount;
  return 0;
}

/**
 * Applies one tick of driving forces from `input` to velocity, spin, boost and the drift flag (position
 * and heading are integrated afterwards, for every vehicle alike). The model, in the car's own frame:
 * - forward: engine or reverse acceleration, boost, linear drag (which sets the top speeds), brake and
 *   rolling resistance that stop at zero; reverse throttle while rolling forward brakes first.
 * - sideways: the tyres remove sideways speed at up to GRIP u/s², DRIFT_GRIP while drifting. A turn that
 *   needs more than the grip (full lock above ~15 u/s), or braking while steering, makes the car slide:
 *   its velocity lags its heading until the slip falls under DRIFT_EXIT_SLIP again.
 * - yaw: the target yaw rate grows with speed up to FULL_TURN_SPEED, falls off at high speed, flips in
 *   reverse; the spin follows it at YAW_ACCEL, so collisions' and drifts' rotation eases out.
 */
export function driveVehicle(vehicle: Vehicle, input: VehicleInput): void {
  const throttle = quantizeThrottle(input.throttle);
  const steer = quantizeSteer(input.steer);
  const c = cos(vehicle.angle);
  const s = sin(vehicle.angle);
  let forward = vehicle.vx * c + vehicle.vy * s;
  let sideways = vehicle.vy * c - vehicle.vx * s;
  const speed = Math.sqrt(forward * forward + sideways * sideways);

  const boosting = input.boost && throttle >= 0 && vehicle.boost >= BOOST_DRAIN;
  if (boosting) vehicle.boost -= BOOST_DRAIN;
  else if (!input.boost) vehicle.boost = Math.min(BOOST_MAX, vehicle.boost + BOOST_RECHARGE);

  let accel = -DRAG * forward;
  if (throttle > 0) accel += ENGINE_ACCEL;
  else if (throttle < 0) accel -= forward > 0 ? BRAKE_DECEL : REVERSE_ACCEL;
  if (boosting) accel += BOOST_ACCEL;
  forward += accel * TICK_DT;
  if (throttle === 0 && !boosting) forward = towardZero(forward, ROLL_DECEL * TICK_DT);
  if (input.brake) forward = towardZero(forward, BRAKE_DECEL * TICK_DT);

  const handbrakeTurn = input.brake && Math.abs(steer) >= 0.5 && speed > HANDBRAKE_TURN_MIN_SPEED;
  const slip = Math.abs(sideways);
  if (vehicle.drifting) {
    if (slip < DRIFT_EXIT_SLIP && !handbrakeTurn) vehicle.drifting = false;
  } else if (slip > DRIFT_ENTER_SLIP || handbrakeTurn) {
    vehicle.drifting = true;
  }
  sideways = towardZero(sideways, (vehicle.drifting ? DRIFT_GRIP : GRIP) * TICK_DT);

  let turnRate = (MAX_TURN_RATE * Math.min(1, speed / FULL_TURN_SPEED)) / (1 + speed / TURN_FALLOFF_SPEED);
  const direction = forward < 0 ? -1 : 1;
  if (vehicle.drifting) {
    turnRate *= DRIFT_TURN_FACTOR;
    // Steering further into a slide loses authority as the slip angle grows, so holding full lock holds
    // a drift instead of spinning out; counter-steering keeps full authority to catch the slide.
    if (steer * sideways * direction < 0 && speed > 0) {
      turnRate *= Math.max(0, 1 - Math.abs(sideways) / (speed * MAX_DRIFT_SLIP));
    }
  }
  const targetSpin = steer * turnRate * direction;
  const maxSpinChange = YAW_ACCEL * TICK_DT;
  vehicle.spin += Math.min(maxSpinChange, Math.max(-maxSpinChange, targetSpin - vehicle.spin));

  let vx = forward * c - sideways * s;
  let vy = forward * s + sideways * c;
  const speedSquared = vx * vx + vy * vy;
  if (speedSquared > MAX_SPEED * MAX_SPEED) {
    const scale = MAX_SPEED / Math.sqrt(speedSquared);
    vx *= scale;
    vy *= scale;
  }
  vehicle.vx = vx;
  vehicle.vy = vy;
}

/** Moves by the current velocity and spin for one tick: what every vehicle, dynamic or kinematic, does. */
export function integrateVehicle(vehicle: Vehicle): void {
  vehicle.angle += vehicle.spin * TICK_DT;
  vehicle.x += vehicle.vx * TICK_DT;
  vehicle.y += vehicle.vy * TICK_DT;
}

const fields = VehicleEntity.field;

/**
 * Snaps every field to the value its sync code decodes to, with the sync layer's own fields: the same
 * result as `quantizeState(VehicleEntity, vehicle)`, without allocating.
 */
export function snapVehicle(vehicle: Vehicle): void {
  vehicle.x = fields.x.dequantize(fields.x.quantize(vehicle.x));
  vehicle.y = fields.y.dequantize(fields.y.quantize(vehicle.y));
  vehicle.angle = fields.angle.dequantize(fields.angle.quantize(vehicle.angle));
  vehicle.vx = fields.vx.dequantize(fields.vx.quantize(vehicle.vx));
  vehicle.vy = fields.vy.dequantize(fields.vy.quantize(vehicle.vy));
  vehicle.spin = fields.spin.dequantize(fields.spin.quantize(vehicle.spin));
  vehicle.boost = fields.boost.dequantize(fields.boost.quantize(vehicle.boost));
  vehicle.drifting = fields.drifting.dequantize(fields.drifting.quantize(vehicle.drifting));
}

export function copyVehicle(target: Vehicle, source: Vehicle): void {
  target.id = source.id;
  target.x = source.x;
  target.y = source.y;
  target.angle = source.angle;
  target.vx = source.vx;
  target.vy = source.vy;
  target.spin = source.spin;
  target.boost = source.boost;
  target.drifting = source.drifting;
}
