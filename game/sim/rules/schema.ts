import { bool, entity, enumOf, float, int, type StateOf } from 'vehikill-net/sync';
import { TICK_RATE } from '../time.js';
import {
  MAX_GUN_AMMO,
  MAX_HEALTH,
  MAX_MATCH_SECONDS,
  MAX_RESPAWN_SECONDS,
  MAX_ROCKET_AMMO,
} from './config.js';
import type { MatchState, PickupState, PlayerState } from './match-state.js';

/*
 * Sync schemas of the rules state, kept small: what a client shows (HUD, scoreboard, pickups, clock), not
 * what only the server needs (cooldowns and rejected fires stay server-side; a predicting client runs
 * its own). Countdowns are in whole seconds so they change once a second, not every tick. Bits in
 * brackets: a player is 57, a pickup 26, a match 14. Append fields, never reorder.
 */

/** Kills, deaths and score fit 0..MAX_TALLY on the wire (past it they stay at the maximum). */
export const MAX_TALLY = 1023;

/** Whole seconds left of a countdown of `ticks`: 0.1 s left shows 1, as a clock does. */
function secondsLeft(ticks: number): number {
  return Math.max(0, Math.ceil(ticks / TICK_RATE));
}

export const PlayerEntity = entity('player', {
  health: int({ min: 0, max: MAX_HEALTH }), // [7]
  gunAmmo: int({ min: 0, max: MAX_GUN_AMMO }), // [8]
  rocketAmmo: int({ min: 0, max: MAX_ROCKET_AMMO }), // [6]
  alive: bool(), // [1]
  respawnIn: int({ min: 0, max: MAX_RESPAWN_SECONDS }), // [4] seconds
  kills: int({ min: 0, max: MAX_TALLY }), // [10]
  deaths: int({ min: 0, max: MAX_TALLY }), // [10]
  score: int({ min: 0, max: MAX_TALLY }), // [10]
  /**
   * Its player has left the controls (the server's verdict, game/server/idle-cars.ts): what every bot,
   * the room's and the headless ones alike, leaves alone.
   */
  parked: bool(), // [1]
});

/** Pickup positions at 1/16 u: they never move, so they only cost bits in a full state. */
export const PickupEntity = entity('pickup', {
  kind: enumOf(['ammo', 'repair'] as const), // [1]
  x: float({ min: 0, max: 256 - 1 / 16, precision: 1 / 16 }), // [12]
  y: float({ min: 0, max: 256 - 1 / 16, precision: 1 / 16 }), // [12]
  active: bool(), // [1]
});

export const MatchEntity = entity('match', {
  phase: enumOf(['warmup', 'playing', 'ended'] as const), // [2]
  /** Seconds left of warmup while warming up, of play while playing, 0 once ended. */
  secondsLeft: int({ min: 0, max: MAX_MATCH_SECONDS }), // [12]
});

export type PlayerSyncState = StateOf<typeof PlayerEntity>;
export type PickupSyncState = StateOf<typeof PickupEntity>;
export type MatchSyncState = StateOf<typeof MatchEntity>;

/** `parked`: whether the server has found the player's car parked (not part of the rules' state). */
export function playerSyncState(match: MatchState, player: PlayerState, parked: boolean): PlayerSyncState {
  return {
    health: player.health,
    gunAmmo: player.gunAmmo,
    rocketAmmo: player.rocketAmmo,
    alive: player.alive,
    respawnIn: player.alive ? 0 : secondsLeft(player.respawnTick - match.tick),
    kills: player.kills,
    deaths: player.deaths,
    score: player.score,
    parked,
  };
}

export function pickupSyncState(pickup: PickupState): PickupSyncState {
  return { kind: pickup.kind, x: pickup.x, y: pickup.y, active: pickup.active };
}

export function matchSyncState(match: MatchState): MatchSyncState {
  const ticks = match.phase === 'warmup' ? match.warmupRemaining : match.remaining;
  return { phase: match.phase, secondsLeft: secondsLeft(ticks) };
}
