import { VEHICLE_RADIUS } from '../vehicle-constants.js';
import { findVehicle, type World } from '../world.js';
import { MAX_HEALTH } from './config.js';
import { damageStateOf } from './damage-state.js';
import type { MatchState, PickupState, PlayerState } from './match-state.js';
import type { RuleEvent } from './rule-events.js';

/** Whether taking the pickup would change anything: a full car drives over it and leaves it for others. */
function wants(player: PlayerState, pickup: PickupState, match: MatchState): boolean {
  if (pickup.kind === 'repair') return player.health < MAX_HEALTH;
  return player.gunAmmo < match.config.gunAmmoMax || player.rocketAmmo < match.config.rocketAmmoMax;
}

/**
 * Each active pickup goes to the lowest-id living player whose hull touches it and who needs it: ammo
 * fills both weapons, repair restores `repairAmount` health. It comes back `pickupRespawnSeconds` later;
 * one that came back this tick can be taken on the next.
 */
export function updatePickups(match: MatchState, world: World, events: RuleEvent[]): void {
  const config = match.config;
  const reach = config.pickupRadius + VEHICLE_RADIUS;
  for (const pickup of match.pickups) {
    if (!pickup.active) {
      if (match.tick >= pickup.respawnTick) {
        pickup.active = true;
        events.push({ type: 'pickup-respawned', pickup: pickup.id });
      }
      continue;
    }
    for (const player of match.players) {
      if (!player.alive || !wants(player, pickup, match)) continue;
      const vehicle = findVehicle(world, player.id);
      if (vehicle === undefined) continue;
      const dx = vehicle.x - pickup.x;
      const dy = vehicle.y - pickup.y;
      if (dx * dx + dy * dy > reach * reach) continue;
      if (pickup.kind === 'repair') {
        player.health = Math.min(MAX_HEALTH, player.health + config.repairAmount);
        player.damage = damageStateOf(player.health);
      } else {
        player.gunAmmo = config.gunAmmoMax;
        player.rocketAmmo = config.rocketAmmoMax;
      }
      pickup.active = false;
      pickup.respawnTick = match.tick + config.pickupRespawnTicks;
      events.push({ type: 'pickup-taken', pickup: pickup.id, kind: pickup.kind, player: player.id });
      break;
    }
  }
}
