import { atan2, type PickupKind, type VehicleInput } from '../sim/index.js';
import { pickTarget, type Quarry } from './target.js';

/** What a bot knows when it picks a tick's controls: what its player would see on screen. */
export interface BrainView {
  /** The tick these controls are for. */
  readonly tick: number;
  /** Whether weapons count (the match is in play). */
  readonly playing: boolean;
  /** The bot's own vehicle, while it has one (a wrecked car has none until it respawns). */
  readonly own: { readonly x: number; readonly y: number; readonly angle: number } | undefined;
  readonly health: number;
  readonly gunAmmo: number;
  readonly rocketAmmo: number;
  /** The other cars (see `Quarry`: a parked one is never hunted nor shot at). */
  readonly others: readonly Quarry[];
  readonly pickups: readonly {
    readonly kind: PickupKind;
    readonly x: number;
    readonly y: number;
    readonly active: boolean;
  }[];
}

export interface BrainOptions {
  /**
   * Ticks between gun shots (default 8; the rules allow one every 6 at 10 shots/s). Slower than the
   * rules allow, so an honest bot is never refused for its fire rate.
   */
  readonly gunEveryTicks?: number;
  /** Ticks between rockets (default 75; the rules allow one every 60). */
  readonly rocketEveryTicks?: number;
  /**
   * Rounds kept back (default 3): the ammo a player sees is a snapshot old, so firing the last rounds
   * could be refused for an empty magazine. The bot drives for ammo instead.
   */
  readonly gunReserve?: number;
}

const TWO_PI = 2 * Math.PI;
/** Ticks a bot keeps one plan (hunt, wander, reverse) before drawing another. */
const PLAN_TICKS = 50;
/** Heading error (radians) within which the bot pulls the trigger, and launches a rocket. */
const GUN_AIM = 0.2;
const ROCKET_AIM = 0.1;
const GUN_REACH = 70;
const ROCKET_REACH = 60;

/**
 * The driving and aiming of a bot, shared by the server's bots (which see the server's world) and the
 * Node bots (which see what their GameSession draws): chase the nearest car in play (`pickTarget`: never
 * a parked one) and shoot when roughly aimed, now and then wander, reverse or boost, and drive for repair
 * when hurt and for ammo when low.
 * It paces its trigger below the rules' limits and keeps a few rounds back, so an honest bot is never
 * refused. Seeded: the same views give the same inputs.
 */
export class BotBrain {
  readonly #seed: number;
  readonly #gunEvery: number;
  readonly #rocketEvery: number;
  readonly #gunReserve: number;
  #lastGun = Number.NEGATIVE_INFINITY;
  #lastRocket = Number.NEGATIVE_INFINITY;

  constructor(seed: number, options: BrainOptions = {}) {
    this.#seed = seed >>> 0;
    this.#gunEvery = options.gunEveryTicks ?? 8;
    this.#rocketEvery = options.rocketEveryTicks ?? 75;
    this.#gunReserve = options.gunReserve ?? 3;
  }

  input(view: BrainView): VehicleInput {
    const own = view.own;
    const roll = noise(this.#seed, Math.floor(view.tick / PLAN_TICKS));
    if (own === undefined) {
      return { throttle: 0, steer: 0, brake: false, boost: false, fire: false, altFire: false };
    }
    const picked = pickTarget(own, view.others);
    const target = picked?.target;
    const distance = picked?.distance ?? Number.POSITIVE_INFINITY;
    const wanted = this.#wantedPickup(view);
    const plan = roll % 8;
    const hunting = target !== undefined && wanted === undefined && plan < 6;
    let error = 0;
    let steer = ((roll >>> 4) % 33) / 16 - 1;
    const goal = wanted ?? (hunting ? target : undefined);
    if (goal !== undefined) {
      error = turnTo(own, goal);
      steer = Math.max(-1, Math.min(1, 3 * error));
    }
    const input = {
      throttle: plan === 6 && wanted === undefined ? -1 : 1,
      steer,
      brake: hunting && distance < 6,
      boost: (roll >>> 12) % 4 === 0,
      fire: false,
      altFire: false,
    };
    if (!view.playing || target === undefined) return input;
    const aim = Math.abs(target === goal ? error : turnTo(own, target));
    if (
      aim < GUN_AIM &&
      distance < GUN_REACH &&
      view.gunAmmo > this.#gunReserve &&
      view.tick - this.#lastGun >= this.#gunEvery
    ) {
      this.#lastGun = view.tick;
      input.fire = true;
    }
    if (
      aim < ROCKET_AIM &&
      distance < ROCKET_REACH &&
      view.rocketAmmo > 1 &&
      view.tick - this.#lastRocket >= this.#rocketEvery
    ) {
      this.#lastRocket = view.tick;
      input.altFire = true;
    }
    return input;
  }

  /** A repair when hurt, ammo when low: the nearest such pickup that is up. */
  #wantedPickup(view: BrainView): { x: number; y: number } | undefined {
    const own = view.own;
    if (own === undefined) return undefined;
    const kind: PickupKind | undefined =
      view.health < 40 ? 'repair' : view.gunAmmo <= this.#gunReserve ? 'ammo' : undefined;
    if (kind === undefined) return undefined;
    let best: { x: number; y: number } | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const pickup of view.pickups) {
      if (!pickup.active || pickup.kind !== kind) continue;
      const distance = (pickup.x - own.x) ** 2 + (pickup.y - own.y) ** 2;
      if (distance < bestDistance) {
        best = pickup;
        bestDistance = distance;
      }
    }
    return best;
  }
}

/** The signed turn (radians, -π..π) from the vehicle's heading to the point. */
function turnTo(own: { x: number; y: number; angle: number }, to: { x: number; y: number }): number {
  const heading = atan2(to.y - own.y, to.x - own.x) - own.angle;
  return heading - TWO_PI * Math.round(heading / TWO_PI);
}

function noise(seed: number, step: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
