import { type EntityTable, stateToCodes } from 'vehikill-net/sync';
import { RocketEntity, VehicleEntity, type World } from '../../sim/index.js';

/**
 * Mirrors the simulation's vehicles and rockets into the sync layer's entity table after each step:
 * spawns what is new, updates what moved (the table keeps unchanged entities' codes, so their
 * encodings stay cached), removes what is gone. Sim ids and table ids are separate number spaces: table
 * ids are never reused, so a client cannot mistake a new rocket for an old one.
 */
export class WorldTable {
  readonly #table: EntityTable;
  readonly #vehicles = new Map<number, number>();
  readonly #rockets = new Map<number, number>();

  constructor(table: EntityTable) {
    this.#table = table;
  }

  /** The table id of a sim vehicle, while it exists. */
  vehicleEntity(vehicleId: number): number | undefined {
    return this.#vehicles.get(vehicleId);
  }

  update(world: World): void {
    mirror(this.#table, this.#vehicles, world.vehicles, VehicleEntity);
    mirror(this.#table, this.#rockets, world.rockets, RocketEntity);
  }
}

function mirror<T extends { readonly id: number }>(
  table: EntityTable,
  ids: Map<number, number>,
  items: readonly T[],
  type: typeof VehicleEntity | typeof RocketEntity,
): void {
  const present = new Set<number>();
  for (const item of items) {
    present.add(item.id);
    const codes = stateToCodes(type, item as never);
    const entityId = ids.get(item.id);
    if (entityId === undefined) ids.set(item.id, table.spawn(type, item as never));
    else table.updateCodes(entityId, codes);
  }
  for (const [simId, entityId] of ids) {
    if (present.has(simId)) continue;
    table.remove(entityId);
    ids.delete(simId);
  }
}
