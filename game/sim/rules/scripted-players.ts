import type { VehicleInput } from '../input.js';
import { noise } from '../noise.js';
import { atan2 } from '../trig.js';
import type { Vehicle } from '../vehicle.js';
import type { World } from '../world.js';
import { findPlayer, type MatchState, type PickupState, type PlayerState } from './match-state.js';

type MutableInput = { -readonly [Key in keyof VehicleInput]: VehicleInput[Key] };

const TWO_PI = 2 * Math.PI;
/** Ticks a player keeps one plan (hunt, wander, reverse, handbrake turn) before drawing another. */
const PLAN_TICKS = 45;
/** Heading error (radians) within which a hunter pulls the trigger, and launches a rocket. */
const GUN_AIM = 0.25;
const ROCKET_AIM = 0.12;

/**
 * Seeded players for the game's determinism script and tests: each living car hunts the nearest other
 * car, holds the trigger when roughly aimed (a held trigger is refused on cooldown, so rejected fires are
 * exercised too) and launches rockets when well aimed, and sometimes wanders, reverses or handbrake-turns
 * instead; a car low on health or out of gun ammo drives for the nearest repair or ammo pickup. Unlike ScriptedDriving it only sets inputs: the rules decide what fires. The inputs depend
 * only on the seed, the tick and the state, so a cloned game driven by the same script continues alike.
 */
export class ScriptedPlayers {
  readonly #seed: number;
  readonly #inputs = new Map<number, MutableInput>();
  readonly #current = new Map<number, VehicleInput>();

  constructor(seed: number) {
    this.#seed = seed >>> 0;
  }

  /** Every playing car's input for the next step (the map and its inputs are reused by the next call). */
  prepare(world: World, match: MatchState): ReadonlyMap<number, VehicleInput> {
    const tick = world.tick;
    this.#current.clear();
    for (const vehicle of world.vehicles) {
      const input = this.#inputFor(vehicle.id);
      const plan = Math.floor((tick + vehicle.id * 17) / PLAN_TICKS);
      const roll = noise(this.#seed, vehicle.id, plan, 0);
      const kind = roll % 8;
      const player = findPlayer(match, vehicle.id);
      if (player === undefined) continue;
      const target = nearestOther(world, vehicle);
      const wanted = wantedPickup(match, player, vehicle);
      let error = 0;
      let distance = Number.POSITIVE_INFINITY;
      if (target !== undefined) {
        const dx = target.x - vehicle.x;
        const dy = target.y - vehicle.y;
        const heading = atan2(dy, dx) - vehicle.angle;
        error = heading - TWO_PI * Math.round(heading / TWO_PI);
        distance = Math.sqrt(dx * dx + dy * dy);
      }
      const randomSteer = ((roll >>> 8) % 33) / 16 - 1;
      const hunting = kind < 5 && target !== undefined;
      input.throttle = kind === 6 && wanted === undefined ? -1 : 1;
      input.steer = hunting ? Math.max(-1, Math.min(1, 3 * error)) : randomSteer;
      if (wanted !== undefined) {
        const heading = atan2(wanted.y - vehicle.y, wanted.x - vehicle.x) - vehicle.angle;
        input.steer = Math.max(-1, Math.min(1, 3 * (heading - TWO_PI * Math.round(heading / TWO_PI))));
      }
      input.brake = kind === 7 || (hunting && distance < 8);
      if (kind === 7) input.steer = randomSteer < 0 ? -1 : 1;
      input.boost = (roll >>> 16) % 4 === 0;
      const aimed = Math.abs(error);
      input.fire = hunting && aimed < GUN_AIM && distance < 90;
      input.altFire =
        hunting && aimed < ROCKET_AIM && distance < 70 && noise(this.#seed, vehicle.id, tick, 1) % 4 === 0;
      this.#current.set(vehicle.id, input);
    }
    return this.#current;
  }

  #inputFor(id: number): MutableInput {
    let input = this.#inputs.get(id);
    if (input === undefined) {
      input = { throttle: 0, steer: 0, brake: false, boost: false, fire: false, altFire: false };
      this.#inputs.set(id, input);
    }
    return input;
  }
}

/** The nearest active pickup a player short of health or ammo drives for, if any. */
function wantedPickup(match: MatchState, player: PlayerState, vehicle: Vehicle): PickupState | undefined {
  const kind = player.health < 50 ? 'repair' : player.gunAmmo === 0 ? 'ammo' : undefined;
  let best: PickupState | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const pickup of match.pickups) {
    if (!pickup.active || pickup.kind !== kind) continue;
    const dx = pickup.x - vehicle.x;
    const dy = pickup.y - vehicle.y;
    const distance = dx * dx + dy * dy;
    if (distance < bestDistance) {
      best = pickup;
      bestDistance = distance;
    }
  }
  return best;
}

/** The nearest other vehicle (ties: the lower id), or undefined when alone. */
function nearestOther(world: World, vehicle: Vehicle): Vehicle | undefined {
  let best: Vehicle | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const other of world.vehicles) {
    if (other.id === vehicle.id) continue;
    const dx = other.x - vehicle.x;
    const dy = other.y - vehicle.y;
    const distance = dx * dx + dy * dy;
    if (distance < bestDistance) {
      best = other;
      bestDistance = distance;
    }
  }
  return best;
}
