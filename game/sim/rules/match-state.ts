import { MAX_VEHICLE_ID } from '../schema.js';
import type { World } from '../world.js';
import { addVehicle, findVehicle, removeVehicle } from '../world.js';
import {
  MAX_HEALTH,
  type MatchConfig,
  type MatchOptions,
  type PickupKind,
  resolveMatchConfig,
} from './config.js';
import { type DamageState, damageStateOf } from './damage-state.js';

/*
 * The rules' state, kept beside the World and keyed by the same vehicle ids: plain data (numbers,
 * booleans, strings, arrays) so it clones, hashes and syncs like the world. Players and pickups are kept
 * sorted by id, the order every rule loop uses. Change it only through the functions of the rules layer.
 */

export type MatchPhase = 'warmup' | 'playing' | 'ended';
export type Weapon = 'gun' | 'rocket' | 'ram';

export interface PlayerState {
  readonly id: number;
  /** 0..MAX_HEALTH, an integer. */
  health: number;
  /** Always `damageStateOf(health)`: stored so the HUD and effects need not derive it. */
  damage: DamageState;
  gunAmmo: number;
  rocketAmmo: number;
  /** Ticks until the gun may fire again (0: ready). */
  gunCooldown: number;
  rocketCooldown: number;
  /** A dead player has no vehicle in the world, so it neither collides nor can be hit. */
  alive: boolean;
  /** The tick at which a dead player respawns (meaningless while alive). */
  respawnTick: number;
  kills: number;
  deaths: number;
  score: number;
  /**
   * Fire inputs refused that no latency explains: the weapon cooling down (firing faster than it can),
   * or empty, or the car wrecked, for longer than LATE_FIRE_GRACE_TICKS. A client that predicts with
   * these rules never sends them, so a growing count is what anti-cheat looks for.
   */
  rejectedFires: number;
  /**
   * Fire inputs refused as harmless: the weapon empty, or the car wrecked, within LATE_FIRE_GRACE_TICKS
   * of it, which an honest client learns of only a round trip and an interpolation delay later.
   */
  excusedFires: number;
  /** The tick the gun's, and the rockets', last round was spent (0 until then). */
  gunEmptiedTick: number;
  rocketEmptiedTick: number;
}

export interface PickupState {
  readonly id: number;
  readonly kind: PickupKind;
  readonly x: number;
  readonly y: number;
  active: boolean;
  /** The tick at which a taken pickup comes back (meaningless while active). */
  respawnTick: number;
}

export interface KillFeedEntry {
  readonly tick: number;
  readonly killer: number;
  readonly victim: number;
  readonly weapon: Weapon;
}

export interface MatchState {
  /** Frozen and shared by clones, like a world's arena. */
  readonly config: MatchConfig;
  /** The world tick this state belongs to: that of the newest `stepMatch`'s world. */
  tick: number;
  phase: MatchPhase;
  /** Ticks of warmup left (counts down while phase is 'warmup'). */
  warmupRemaining: number;
  /** Ticks of play left (counts down while phase is 'playing'; 0 once ended). */
  remaining: number;
  /**
   * Ids of the players with the most kills once the match has ended (ties share the win; none when nobody
   * killed: a draw), else empty.
   */
  winners: number[];
  readonly players: PlayerState[];
  readonly pickups: PickupState[];
  /** The newest kills, oldest first, at most `config.killFeedLength`. */
  readonly killFeed: KillFeedEntry[];
}

/** A match in warmup (or straight in play when warmupSeconds is 0) with no players and every pickup up. */
export function createMatch(options: MatchOptions = {}, tick = 0): MatchState {
  const config = resolveMatchConfig(options);
  return {
    config,
    tick,
    phase: config.warmupTicks > 0 ? 'warmup' : 'playing',
    warmupRemaining: config.warmupTicks,
    remaining: config.matchTicks,
    winners: [],
    players: [],
    pickups: config.pickups.map((spot, index) => ({
      id: index + 1,
      kind: spot.kind,
      x: spot.x,
      y: spot.y,
      active: true,
      respawnTick: 0,
    })),
    killFeed: [],
  };
}

export function findPlayer(match: MatchState, id: number): PlayerState | undefined {
  for (const player of match.players) if (player.id === id) return player;
  return undefined;
}

/** Full health, full ammo, weapons ready. */
export function refit(player: PlayerState, config: MatchConfig): void {
  player.health = MAX_HEALTH;
  player.damage = damageStateOf(MAX_HEALTH);
  player.gunAmmo = config.gunAmmoMax;
  player.rocketAmmo = config.rocketAmmoMax;
  player.gunCooldown = 0;
  player.rocketCooldown = 0;
}

/**
 * Adds a player, alive and fully armed, with its vehicle: the one already in the world with this id, or a
 * new one at `spawnIndex` or else the clearest spawn point (see `addVehicle`). Throws a RangeError for an
 * id that is not a vehicle id or is already playing.
 */
export function addPlayer(match: MatchState, world: World, id: number, spawnIndex?: number): PlayerState {
  if (!Number.isInteger(id) || id < 0 || id > MAX_VEHICLE_ID) {
    throw new RangeError(`addPlayer: id ${id} is not an integer in 0..${MAX_VEHICLE_ID}`);
  }
  if (findPlayer(match, id) !== undefined) throw new RangeError(`addPlayer: player ${id} already plays`);
  if (findVehicle(world, id) === undefined) addVehicle(world, id, spawnIndex);
  const player: PlayerState = {
    id,
    health: 0,
    damage: 'wrecked',
    gunAmmo: 0,
    rocketAmmo: 0,
    gunCooldown: 0,
    rocketCooldown: 0,
    alive: true,
    respawnTick: 0,
    kills: 0,
    deaths: 0,
    score: 0,
    rejectedFires: 0,
    excusedFires: 0,
    gunEmptiedTick: 0,
    rocketEmptiedTick: 0,
  };
  refit(player, match.config);
  let at = match.players.length;
  while (at > 0 && (match.players[at - 1] as PlayerState).id > id) at--;
  match.players.splice(at, 0, player);
  return player;
}

/**
 * Removes the player and its vehicle (its rockets fly on, but score nobody as long as its id is not given
 * to another player while they fly: take new ids from `freeVehicleId`). Returns whether it played.
 */
export function removePlayer(match: MatchState, world: World, id: number): boolean {
  const index = match.players.findIndex((player) => player.id === id);
  if (index < 0) return false;
  match.players.splice(index, 1);
  removeVehicle(world, id);
  return true;
}

/** A deep copy sharing only the frozen config: for rewinding, replaying and prediction. */
export function cloneMatch(match: MatchState): MatchState {
  return {
    config: match.config,
    tick: match.tick,
    phase: match.phase,
    warmupRemaining: match.warmupRemaining,
    remaining: match.remaining,
    winners: [...match.winners],
    players: match.players.map((player) => ({ ...player })),
    pickups: match.pickups.map((pickup) => ({ ...pickup })),
    killFeed: match.killFeed.map((entry) => ({ ...entry })),
  };
}
