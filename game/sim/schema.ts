import { angle, bool, entity, float, int, type StateOf } from 'vehikill-net/sync';
import { BOOST_MAX } from './vehicle-constants.js';

/*
 * The sync schemas, which are also the simulation's precision: at the end of every tick each entity is
 * snapped to what these fields decode to, so server, prediction and replay hold exactly what a client
 * decodes. Choices (bits per field in brackets):
 * - position 0..256 at 1/512 u [17]: the state is snapped every tick, so one tick's move must span many
 *   steps or slow motion is distorted (at 1/64 a car at 5 u/s moves 5.33 steps a tick and would creep
 *   along at 5/5.33 of its speed); at 1/512 that error stays under 1.2% down to 5 u/s.
 * - velocity -64..64 at 1/256 u/s [15]: covers MAX_SPEED; the smallest per-tick change the model makes
 *   (rolling resistance, 0.05 u/s) is many steps.
 * - angle in 2^16 steps (0.0055°) [16]; spin -8..8 rad/s at 1/512 [13]; boost an integer 0..1000 [10].
 * - id 0..MAX_VEHICLE_ID [16]: which player's vehicle it is (clients name vehicles by it).
 * A full vehicle is 120 bits, a rocket 74.
 * Fields keep their order on the wire: append new ones (health, ammo... belong to the rules layer's own
 * schema or are appended here), never reorder.
 */

const POSITION = { min: 0, max: 256 - 1 / 512, precision: 1 / 512 } as const;
const VELOCITY = { min: -64, max: 64 - 1 / 256, precision: 1 / 256 } as const;
const SPIN = { min: -8, max: 8 - 1 / 512, precision: 1 / 512 } as const;
const ANGLE_BITS = 16;

/** Vehicle ids (and rocket owners) are integers in 0..MAX_VEHICLE_ID. */
export const MAX_VEHICLE_ID = 0xffff;
/** A rocket's remaining life in ticks fits 0..MAX_ROCKET_TTL. */
export const MAX_ROCKET_TTL = 255;

export const VehicleEntity = entity('vehicle', {
  x: float(POSITION),
  y: float(POSITION),
  angle: angle({ bits: ANGLE_BITS }),
  vx: float(VELOCITY),
  vy: float(VELOCITY),
  spin: float(SPIN),
  boost: int({ min: 0, max: BOOST_MAX }),
  drifting: bool(),
  /** The vehicle's (its player's) id: sent with a new vehicle only, it never changes. */
  id: int({ min: 0, max: MAX_VEHICLE_ID }),
});

export const RocketEntity = entity('rocket', {
  x: float(POSITION),
  y: float(POSITION),
  angle: angle({ bits: ANGLE_BITS }),
  owner: int({ min: 0, max: MAX_VEHICLE_ID }),
  ttl: int({ min: 0, max: MAX_ROCKET_TTL }),
});

export type VehicleState = StateOf<typeof VehicleEntity>;
export type RocketState = StateOf<typeof RocketEntity>;
