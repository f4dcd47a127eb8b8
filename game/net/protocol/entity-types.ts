import { MatchEntity, PickupEntity, PlayerEntity, RocketEntity, VehicleEntity } from '../../sim/index.js';

/**
 * The entity types of the game's state sync, in registry order: server and players must list the same
 * types in the same order (a type's id is its index). Append new types, never reorder.
 */
export const GAME_ENTITY_TYPES = [
  VehicleEntity,
  RocketEntity,
  PlayerEntity,
  PickupEntity,
  MatchEntity,
] as const;
