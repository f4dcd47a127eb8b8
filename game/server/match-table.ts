import type { EntityTable } from 'vehikill-net/sync';
import {
  MatchEntity,
  type MatchState,
  matchSyncState,
  PickupEntity,
  PlayerEntity,
  pickupSyncState,
  playerSyncState,
} from '../sim/index.js';

/**
 * Mirrors the rules' state into the sync table after each step: one PlayerEntity per player (kept across
 * deaths and matches, so its entity id names the player for as long as it plays), one PickupEntity per
 * pickup and the MatchEntity. The table keeps unchanged records, so an idle scoreboard costs nothing.
 */
export class MatchTable {
  readonly #table: EntityTable;
  readonly #parked: (vehicleId: number) => boolean;
  readonly #players = new Map<number, number>();
  readonly #pickups = new Map<number, number>();
  #matchEntity: number | undefined;

  /** `parked`: whether a player's car is parked now (see IdleCars), synced with its scoreboard line. */
  constructor(table: EntityTable, parked: (vehicleId: number) => boolean) {
    this.#table = table;
    this.#parked = parked;
  }

  /** The sync id of the MatchEntity (after the first update). */
  get matchEntity(): number {
    if (this.#matchEntity === undefined) throw new Error('MatchTable: update it once first');
    return this.#matchEntity;
  }

  playerEntity(vehicleId: number): number | undefined {
    return this.#players.get(vehicleId);
  }

  update(match: MatchState): void {
    const present = new Set<number>();
    for (const player of match.players) {
      present.add(player.id);
      const state = playerSyncState(match, player, this.#parked(player.id));
      const id = this.#players.get(player.id);
      if (id === undefined) this.#players.set(player.id, this.#table.spawn(PlayerEntity, state));
      else this.#table.update(id, PlayerEntity, state);
    }
    for (const [vehicleId, id] of this.#players) {
      if (present.has(vehicleId)) continue;
      this.#table.remove(id);
      this.#players.delete(vehicleId);
    }
    for (const pickup of match.pickups) {
      const id = this.#pickups.get(pickup.id);
      if (id === undefined)
        this.#pickups.set(pickup.id, this.#table.spawn(PickupEntity, pickupSyncState(pickup)));
      else this.#table.update(id, PickupEntity, pickupSyncState(pickup));
    }
    if (this.#matchEntity === undefined)
      this.#matchEntity = this.#table.spawn(MatchEntity, matchSyncState(match));
    else this.#table.update(this.#matchEntity, MatchEntity, matchSyncState(match));
  }
}
