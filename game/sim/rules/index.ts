/**
 * The Vehikill game rules on top of the simulation: weapons, damage, deaths and respawns, pickups,
 * scores and the match clock. As deterministic as the sim (same forbidden-Math rules), plain-data state
 * beside the World, stepped once per tick by `stepMatch` after `stepWorld` (or both by `stepGame`).
 */
export {
  DEFAULT_PICKUP_SPOTS,
  MAX_GUN_AMMO,
  MAX_HEALTH,
  MAX_MATCH_SECONDS,
  MAX_RESPAWN_SECONDS,
  MAX_ROCKET_AMMO,
  type MatchConfig,
  type MatchOptions,
  type PickupKind,
  type PickupSpot,
  resolveMatchConfig,
} from './config.js';
export { CRITICAL_BELOW, DAMAGED_BELOW, type DamageState, damageStateOf } from './damage-state.js';
export { hashGame, hashMatch } from './hash-match.js';
export { type HitscanResolver, hitscanOnWorld } from './hitscan.js';
export {
  addPlayer,
  cloneMatch,
  createMatch,
  findPlayer,
  type KillFeedEntry,
  type MatchPhase,
  type MatchState,
  type PickupState,
  type PlayerState,
  removePlayer,
  type Weapon,
} from './match-state.js';
export type {
  DamageEvent,
  KillEvent,
  MatchEndedEvent,
  MatchStartedEvent,
  PickupRespawnedEvent,
  PickupTakenEvent,
  RespawnEvent,
  RocketFiredEvent,
  RuleEvent,
  ShotEvent,
} from './rule-events.js';
export {
  MAX_TALLY,
  MatchEntity,
  type MatchSyncState,
  matchSyncState,
  PickupEntity,
  type PickupSyncState,
  PlayerEntity,
  type PlayerSyncState,
  pickupSyncState,
  playerSyncState,
} from './schema.js';
export { ScriptedPlayers } from './scripted-players.js';
export { skipMatchTicks, stepGame, stepMatch } from './step-match.js';
export { freeVehicleId } from './vehicle-ids.js';
export { LATE_FIRE_GRACE_TICKS, weaponReady } from './weapons.js';
