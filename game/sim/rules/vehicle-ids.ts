import { MAX_VEHICLE_ID } from '../schema.js';
import type { World } from '../world.js';
import type { MatchState } from './match-state.js';

/**
 * The lowest vehicle id free for a new player: no player holds it (alive or wrecked), no vehicle has it,
 * no rocket in flight was fired by it, and it is not `reserved` (ids the caller has promised elsewhere).
 * A rocket's kill is credited by its owner's id: handed to a newcomer while a leaver's rocket still
 * flies, the id would score that rocket's kill for the newcomer (and the rocket would pass through the
 * newcomer's car as its owner's). Rockets live 2.5 s at most, so the id is free again soon after.
 * Throws a RangeError when every id is taken.
 */
export function freeVehicleId(match: MatchState, world: World, reserved: Iterable<number> = []): number {
  const taken = new Set<number>(reserved);
  for (const player of match.players) taken.add(player.id);
  for (const vehicle of world.vehicles) taken.add(vehicle.id);
  for (const rocket of world.rockets) taken.add(rocket.owner);
  for (let id = 0; id <= MAX_VEHICLE_ID; id++) if (!taken.has(id)) return id;
  throw new RangeError('freeVehicleId: every vehicle id is taken');
}
