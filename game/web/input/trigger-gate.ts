import type { SessionView } from '../../client/game-session.js';
import { type MatchConfig, resolveMatchConfig, type VehicleInput } from '../../sim/index.js';

/**
 * A held trigger becomes one shot per weapon interval. The server refuses a fire input while the weapon
 * cools down (and its anti-cheat counts every refusal), so the client fires only on the ticks the rules
 * would honour: while playing and alive, with ammo, and at least the weapon's interval after the last
 * shot. The intervals are the rules' defaults (rooms do not announce their own). One gate serves every
 * room the page joins: a tick below the last shot's means a new room, and the weapons are ready.
 */
export class TriggerGate {
  readonly #gunEvery: number;
  readonly #rocketEvery: number;
  #lastGun = Number.NEGATIVE_INFINITY;
  #lastRocket = Number.NEGATIVE_INFINITY;

  constructor(config: MatchConfig = resolveMatchConfig()) {
    this.#gunEvery = config.gunIntervalTicks;
    this.#rocketEvery = config.rocketIntervalTicks;
  }

  apply(input: VehicleInput, view: SessionView): VehicleInput {
    if (!input.fire && !input.altFire) return input;
    // Ticks went back: another room (each counts from zero). Its weapons owe nothing to the last one's.
    if (view.tick < this.#lastGun) this.#lastGun = Number.NEGATIVE_INFINITY;
    if (view.tick < this.#lastRocket) this.#lastRocket = Number.NEGATIVE_INFINITY;
    const me = view.me;
    const armed = view.playing && view.alive === true && me !== undefined;
    const fire = armed && input.fire && me.gunAmmo > 0 && view.tick - this.#lastGun >= this.#gunEvery;
    const altFire =
      armed && input.altFire && me.rocketAmmo > 0 && view.tick - this.#lastRocket >= this.#rocketEvery;
    if (fire) this.#lastGun = view.tick;
    if (altFire) this.#lastRocket = view.tick;
    return fire === input.fire && altFire === input.altFire ? input : { ...input, fire, altFire };
  }
}
