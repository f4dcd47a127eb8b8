import type { VehicleInput } from '../sim/index.js';

/** A car whose controls have been let go this long (ticks: 5 s) is parked. */
export const IDLE_AFTER_TICKS = 300;

/**
 * Which networked players' cars are parked: no throttle, steering, boost or trigger for IDLE_AFTER_TICKS.
 * That covers a player who stepped away with the page open, a hidden tab (the server brakes its car) and a
 * dropped connection (its last input runs out): the room's bots leave those cars alone, and the players'
 * synced scoreboard lines say so (PlayerEntity `parked`), which the headless bots go by. Braking alone is
 * no sign of play (a hidden tab's car brakes). A player seen for the first time counts as playing from then.
 */
export class IdleCars {
  /** The newest tick each networked car had a control held, by vehicle id. */
  readonly #activeAt = new Map<number, number>();
  #tick = 0;

  /** The inputs every networked car (and only those) was given for `tick`. */
  note(tick: number, inputs: ReadonlyMap<number, VehicleInput>): void {
    this.#tick = tick;
    for (const id of this.#activeAt.keys()) if (!inputs.has(id)) this.#activeAt.delete(id);
    for (const [id, input] of inputs) {
      if (!this.#activeAt.has(id) || held(input)) this.#activeAt.set(id, tick);
    }
  }

  /** Whether the car's player has left its controls; false for any car not noted (a bot's). */
  idle(vehicleId: number): boolean {
    const activeAt = this.#activeAt.get(vehicleId);
    return activeAt !== undefined && this.#tick - activeAt >= IDLE_AFTER_TICKS;
  }
}

function held(input: VehicleInput): boolean {
  return input.throttle !== 0 || input.steer !== 0 || input.boost || input.fire || input.altFire;
}
