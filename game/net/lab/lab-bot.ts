import {
  atan2,
  cos,
  createWorld,
  raycastVehicles,
  sin,
  type Vehicle,
  type VehicleInput,
  type VehicleState,
} from '../../sim/index.js';
import { shortTurn } from '../protocol/angles.js';

/** Ticks between two gun shots at most (10 a second). */
const FIRE_EVERY = 6;
const SHOT_RANGE = 80;

/**
 * A lab driver that plays from what its player sees: it chases the nearest other vehicle as drawn (so
 * vehicles keep colliding), now and then brakes into a slide or boosts, and fires whenever a drawn
 * vehicle is in its line of fire, remembering the claim so the lab can compare it with the server's
 * verdict. Seeded: the same view gives the same inputs.
 */
export class LabBot {
  readonly #seed: number;
  #lastShot = Number.NEGATIVE_INFINITY;

  constructor(seed: number) {
    this.#seed = seed >>> 0;
  }

  input(
    tick: number,
    own: Vehicle | undefined,
    others: readonly { readonly vehicleId: number; readonly state: VehicleState }[],
    claims: Map<number, number>,
  ): VehicleInput {
    const roll = noise(this.#seed, Math.floor(tick / 45));
    if (!own) return { throttle: 1, steer: 0, brake: false, boost: false, fire: false, altFire: false };
    let target: VehicleState | undefined;
    let best = Number.POSITIVE_INFINITY;
    for (const other of others) {
      const distance = (other.state.x - own.x) ** 2 + (other.state.y - own.y) ** 2;
      if (distance < best) {
        best = distance;
        target = other.state;
      }
    }
    let steer = ((roll % 33) - 16) / 16;
    if (target && roll % 5 !== 0) {
      const heading = shortTurn(own.angle, atan2(target.y - own.y, target.x - own.x));
      steer = Math.max(-1, Math.min(1, 2 * heading));
    }
    const input: VehicleInput = {
      throttle: roll % 11 === 0 ? -1 : 1,
      steer,
      brake: roll % 13 === 0,
      boost: (roll >>> 8) % 4 === 0,
      fire: false,
      altFire: false,
    };
    if (tick - this.#lastShot >= FIRE_EVERY && others.length > 0) {
      const seen = createWorld();
      for (const other of others) seen.vehicles.push({ ...other.state, id: other.vehicleId });
      seen.vehicles.sort((a, b) => a.id - b.id);
      const hit = raycastVehicles(
        seen,
        { x: own.x, y: own.y },
        { x: cos(own.angle), y: sin(own.angle) },
        SHOT_RANGE,
        own.id,
      );
      if (hit) {
        this.#lastShot = tick;
        claims.set(tick, hit.vehicleId);
        return { ...input, fire: true };
      }
    }
    return input;
  }
}

function noise(seed: number, step: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
