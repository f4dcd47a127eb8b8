import { BotBrain } from '../bots/brain.js';
import { findPlayer, findVehicle, type MatchState, type VehicleInput, type World } from '../sim/index.js';

const BOT_NAMES = ['Axle', 'Brakes', 'Clutch', 'Diesel', 'Exhaust', 'Fender', 'Gasket', 'Hubcap'];

/**
 * The room's own bots: players with no network that drive inside the server. Their inputs go straight
 * into the simulation each tick, chosen by the shared BotBrain from the server's own world (they see
 * the truth, so their shots need no lag compensation). They leave parked cars alone (the room's `IdleCars`).
 */
export class ServerBots {
  readonly #brains = new Map<number, BotBrain>();
  /** Each bot's name, by vehicle id: kept so that a new bot takes one no bot of the room has. */
  readonly #names = new Map<number, string>();
  readonly #inputs = new Map<number, VehicleInput>();
  #seed = 0;

  constructor(seed = 1) {
    this.#seed = seed;
  }

  get ids(): readonly number[] {
    return [...this.#brains.keys()];
  }

  get count(): number {
    return this.#brains.size;
  }

  has(vehicleId: number): boolean {
    return this.#brains.has(vehicleId);
  }

  /** Adds a bot driving `vehicleId`; its name, one no other bot of the room has now. */
  add(vehicleId: number): string {
    this.#brains.set(vehicleId, new BotBrain(this.#seed++ * 7919 + vehicleId));
    const name = this.#freeName();
    this.#names.set(vehicleId, name);
    return name;
  }

  remove(vehicleId: number): void {
    this.#brains.delete(vehicleId);
    this.#names.delete(vehicleId);
  }

  /**
   * The first name of the list no bot has; past the list, the names again with a number ("Bot Axle 2").
   * Not from the vehicle id: ids 8 apart (ids are reused, and humans take some) named two bots alike.
   */
  #freeName(): string {
    const taken = new Set(this.#names.values());
    for (let round = 1; ; round++) {
      for (const base of BOT_NAMES) {
        const name = round === 1 ? `Bot ${base}` : `Bot ${base} ${round}`;
        if (!taken.has(name)) return name;
      }
    }
  }

  /**
   * Every bot's controls for the tick the world is about to step; `parked` tells the cars whose players
   * have left the controls (the room's IdleCars, noted with this tick's inputs).
   */
  inputs(
    world: World,
    match: MatchState,
    parked: (vehicleId: number) => boolean,
  ): ReadonlyMap<number, VehicleInput> {
    this.#inputs.clear();
    const cars = world.vehicles.map((vehicle) => ({
      id: vehicle.id,
      x: vehicle.x,
      y: vehicle.y,
      idle: parked(vehicle.id),
    }));
    for (const [id, brain] of this.#brains) {
      const player = findPlayer(match, id);
      const own = findVehicle(world, id);
      const others = cars.filter((car) => car.id !== id);
      this.#inputs.set(
        id,
        brain.input({
          tick: world.tick,
          playing: match.phase === 'playing',
          own,
          health: player?.health ?? 0,
          gunAmmo: player?.gunAmmo ?? 0,
          rocketAmmo: player?.rocketAmmo ?? 0,
          others,
          pickups: match.pickups,
        }),
      );
    }
    return this.#inputs;
  }
}
