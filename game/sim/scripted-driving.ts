import type { VehicleInput } from './input.js';
import { noise } from './noise.js';
import { fireRocket } from './projectile.js';
import { atan2 } from './trig.js';
import type { Vehicle } from './vehicle.js';
import type { World } from './world.js';

type MutableInput = { -readonly [Key in keyof VehicleInput]: VehicleInput[Key] };

const TWO_PI = 2 * Math.PI;
/** Ticks a vehicle keeps one plan (chase, wander, reverse, handbrake turn) before drawing another. */
const PLAN_TICKS = 40;
/** Ticks between a vehicle's chances to fire. */
const FIRE_EVERY = 30;

/**
 * Seeded, scripted drivers for tests, the determinism script and the benchmark: each vehicle chases the
 * next one in id order most of the time, and sometimes wanders, reverses or handbrake-turns, boosts and
 * fires, so vehicles keep bumping into each other, walls and rockets. The inputs depend only on the
 * seed, the tick and the world's state, never on earlier calls, so a cloned world driven by the same
 * script continues exactly as the original does.
 */
export class ScriptedDriving {
  readonly #seed: number;
  readonly #inputs = new Map<number, MutableInput>();
  readonly #current = new Map<number, VehicleInput>();

  constructor(seed: number) {
    this.#seed = seed >>> 0;
  }

  /**
   * Chooses every vehicle's input for the step from `world.tick` and fires the rockets the script wants
   * (standing in for the rules layer). The map and its inputs are reused by the next call.
   */
  prepare(world: World): ReadonlyMap<number, VehicleInput> {
    const vehicles = world.vehicles;
    const tick = world.tick;
    this.#current.clear();
    for (let index = 0; index < vehicles.length; index++) {
      const vehicle = vehicles[index] as Vehicle;
      const target = vehicles[(index + 1) % vehicles.length] as Vehicle;
      const input = this.#inputFor(vehicle.id);
      const plan = Math.floor((tick + vehicle.id * 13) / PLAN_TICKS);
      const roll = noise(this.#seed, vehicle.id, plan, 0);
      const kind = roll % 8;
      const heading = atan2(target.y - vehicle.y, target.x - vehicle.x) - vehicle.angle;
      const towardTarget = Math.max(-1, Math.min(1, 2 * (heading - TWO_PI * Math.round(heading / TWO_PI))));
      const randomSteer = ((roll >>> 8) % 33) / 16 - 1;
      input.throttle = kind === 6 ? -1 : 1;
      input.steer = kind < 5 ? towardTarget : randomSteer;
      input.brake = kind === 7;
      if (kind === 7) input.steer = randomSteer < 0 ? -1 : 1;
      input.boost = (roll >>> 16) % 4 === 0;
      input.fire =
        (tick + vehicle.id * 7) % FIRE_EVERY === 0 && noise(this.#seed, vehicle.id, tick, 1) % 2 === 0;
      input.altFire = false;
      if (input.fire) fireRocket(world, vehicle.id);
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
