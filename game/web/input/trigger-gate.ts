import type { SessionView } from '../../client/game-session.js';
import { type MatchConfig, resolveMatchConfig, type VehicleInput } from '../../sim/index.js';

/**
 * How long (ticks) a shot may wait for the synced state to count it. The state of the player's car is sent
 * only when it changes, and a shot that changed nothing (its input lost on the way, or refused) is never
 * shown as counted: without a bound it would hold the predicted ammo one round low, and the last round
 * could not be fired, until something else about the car changed. A shot the server took shows within a
 * round trip and an interpolation delay; past a second it was not taken.
 */
const UNSEEN_SHOT_TICKS = 60;

/** One weapon's shots the synced state may not count yet: their input ticks, oldest first. */
class UnseenShots {
  readonly #ticks: number[] = [];
  last = Number.NEGATIVE_INFINITY;

  fired(tick: number): void {
    this.#ticks.push(tick);
    this.last = tick;
  }

  /**
   * Rounds left after the shots the synced state does not count yet: a state sent at server tick
   * `syncedTick` counts every fire input for an earlier tick (refused or not), none for a later one.
   */
  predictedAmmo(syncedAmmo: number, syncedTick: number | undefined, now: number): number {
    const counted = Math.max(syncedTick ?? Number.NEGATIVE_INFINITY, now - UNSEEN_SHOT_TICKS);
    while (this.#ticks.length > 0 && (this.#ticks[0] as number) < counted) this.#ticks.shift();
    return syncedAmmo - this.#ticks.length;
  }

  /** Another room: its weapons owe nothing to this one's. */
  reset(): void {
    this.#ticks.length = 0;
    this.last = Number.NEGATIVE_INFINITY;
  }
}

/**
 * A held trigger becomes one shot per weapon interval. The server refuses a fire input while the weapon
 * cools down (and its anti-cheat counts every refusal), so the client fires only on the ticks the rules
 * would honour: while playing and alive, with ammo, and at least the weapon's interval after the last
 * shot. The synced ammo arrives a round trip and an interpolation delay late, so the gate counts its own
 * shots down from it (predicted ammo): it stops when the gun is empty, not a few shots later. The
 * intervals are the rules' defaults (rooms do not announce their own). One gate serves every room the
 * page joins: a tick below the last shot's means a new room, and the weapons are ready.
 */
export class TriggerGate {
  readonly #gunEvery: number;
  readonly #rocketEvery: number;
  readonly #gun = new UnseenShots();
  readonly #rockets = new UnseenShots();

  constructor(config: MatchConfig = resolveMatchConfig()) {
    this.#gunEvery = config.gunIntervalTicks;
    this.#rocketEvery = config.rocketIntervalTicks;
  }

  apply(input: VehicleInput, view: SessionView): VehicleInput {
    if (!input.fire && !input.altFire) return input;
    // Ticks went back: another room (each counts from zero). Its weapons owe nothing to the last one's.
    if (view.tick < this.#gun.last) this.#gun.reset();
    if (view.tick < this.#rockets.last) this.#rockets.reset();
    const me = view.me;
    const armed = view.playing && view.alive === true && me !== undefined;
    const fire =
      armed &&
      input.fire &&
      this.#gun.predictedAmmo(me.gunAmmo, view.meTick, view.tick) > 0 &&
      view.tick - this.#gun.last >= this.#gunEvery;
    const altFire =
      armed &&
      input.altFire &&
      this.#rockets.predictedAmmo(me.rocketAmmo, view.meTick, view.tick) > 0 &&
      view.tick - this.#rockets.last >= this.#rocketEvery;
    if (fire) this.#gun.fired(view.tick);
    if (altFire) this.#rockets.fired(view.tick);
    return fire === input.fire && altFire === input.altFire ? input : { ...input, fire, altFire };
  }
}
