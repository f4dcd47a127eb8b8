import { TICK_RATE } from '../time.js';

/*
 * The match's tunable numbers. Options are given in natural units (seconds, shots per second, world
 * units, health points); `resolveMatchConfig` turns them into the whole ticks the rules count in, once,
 * so stepping never converts. Health is an integer 0..MAX_HEALTH and every damage is rounded to an
 * integer, so the rules state hashes exactly.
 */

/** Full health; 0 is wrecked. */
export const MAX_HEALTH = 100;

export type PickupKind = 'ammo' | 'repair';

/** Where a pickup sits; pickups get ids 1, 2, ... in list order. */
export interface PickupSpot {
  readonly kind: PickupKind;
  readonly x: number;
  readonly y: number;
}

/**
 * Four pickups for the default arena ("crossroads", 240 x 160), point-symmetric about its centre like
 * the arena itself so no spawn side is favoured: ammo beside the side pillars, repair in the open lanes
 * above and below the central pillar, each well clear of every obstacle.
 */
export const DEFAULT_PICKUP_SPOTS: readonly PickupSpot[] = Object.freeze([
  Object.freeze({ kind: 'ammo', x: 40, y: 80 } as const),
  Object.freeze({ kind: 'ammo', x: 200, y: 80 } as const),
  Object.freeze({ kind: 'repair', x: 120, y: 48 } as const),
  Object.freeze({ kind: 'repair', x: 120, y: 112 } as const),
]);

export interface MatchOptions {
  /** Rapid hitscan gun: shots per second while the trigger is honoured (default 10: one every 6 ticks). */
  readonly gunShotsPerSecond?: number;
  /** Health a gun hit takes (default 8: 13 hits wreck a car, 1.3 s of sustained fire). */
  readonly gunDamage?: number;
  /** Rounds a full magazine holds, and a fresh or respawned car carries (default 60: 6 s of fire). */
  readonly gunAmmoMax?: number;
  /** Gun range in world units (default 80: a third of the default arena's width). */
  readonly gunRange?: number;
  /** Rockets per second at most (default 1). */
  readonly rocketsPerSecond?: number;
  /** Health a rocket takes from the vehicle it hits (default 35: three hits wreck a car). */
  readonly rocketDamage?: number;
  /**
   * Splash: every other vehicle within this many units of the blast (measured to its hull) loses up to
   * `splashDamage`, falling linearly to 0 at the radius (default 6 u, 20 health). The owner's own rockets
   * do not splash it, so there are no self-kills to score.
   */
  readonly splashRadius?: number;
  readonly splashDamage?: number;
  /** Rockets carried when full (default 6). */
  readonly rocketAmmoMax?: number;
  /**
   * Ramming: each of two colliding vehicles loses `ramDamagePerImpulse` health for every u/s of the
   * contact's impulse above `ramImpulseThreshold` (default 10 u/s and 0.5: bumps and scrapes are free,
   * a 20 + 20 u/s head-on, impulse 30, costs each car 10).
   */
  readonly ramImpulseThreshold?: number;
  readonly ramDamagePerImpulse?: number;
  /** Seconds from death to respawn, at the clearest spawn point (default 3). */
  readonly respawnSeconds?: number;
  /** A vehicle whose hull comes within this many units of a pickup's centre takes it (default 1.5). */
  readonly pickupRadius?: number;
  /** Seconds a taken pickup stays gone (default 15). */
  readonly pickupRespawnSeconds?: number;
  /** Health a repair pickup restores, up to MAX_HEALTH (default 50). */
  readonly repairAmount?: number;
  /** Seconds of play before the match ends (default 300: 5 minutes). */
  readonly matchSeconds?: number;
  /** Seconds of driving without weapons before play starts, so everyone has loaded (default 3). */
  readonly warmupSeconds?: number;
  /** Score for a kill (default 1). */
  readonly killScore?: number;
  /** Kill feed entries kept, newest last (default 5). */
  readonly killFeedLength?: number;
  /** The arena's pickups (default DEFAULT_PICKUP_SPOTS, made for DEFAULT_ARENA). */
  readonly pickups?: readonly PickupSpot[];
}

/** The options resolved: every number present, times in ticks. Frozen and shared by clones of a match. */
export interface MatchConfig {
  readonly gunIntervalTicks: number;
  readonly gunDamage: number;
  readonly gunAmmoMax: number;
  readonly gunRange: number;
  readonly rocketIntervalTicks: number;
  readonly rocketDamage: number;
  readonly splashRadius: number;
  readonly splashDamage: number;
  readonly rocketAmmoMax: number;
  readonly ramImpulseThreshold: number;
  readonly ramDamagePerImpulse: number;
  readonly respawnTicks: number;
  readonly pickupRadius: number;
  readonly pickupRespawnTicks: number;
  readonly repairAmount: number;
  readonly matchTicks: number;
  readonly warmupTicks: number;
  readonly killScore: number;
  readonly killFeedLength: number;
  readonly pickups: readonly PickupSpot[];
}

/** Sync schema limits (schema.ts): a config past them could not be sent, so it is refused here. */
export const MAX_GUN_AMMO = 255;
export const MAX_ROCKET_AMMO = 63;
export const MAX_RESPAWN_SECONDS = 15;
export const MAX_MATCH_SECONDS = 4095;

/** Fills in defaults and converts to ticks. Throws a RangeError naming the first bad option. */
export function resolveMatchConfig(options: MatchOptions = {}): MatchConfig {
  const number = (name: keyof MatchOptions, fallback: number, min: number, max: number): number => {
    const value = (options[name] as number | undefined) ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`match config: ${name} ${String(value)} is not within ${min}..${max}`);
    }
    return value;
  };
  const integer = (name: keyof MatchOptions, fallback: number, min: number, max: number): number => {
    const value = number(name, fallback, min, max);
    if (!Number.isInteger(value)) throw new RangeError(`match config: ${name} ${value} is not an integer`);
    return value;
  };
  // A rate becomes a whole number of ticks between shots: 10/s at 60 Hz is exactly 6.
  const interval = (name: keyof MatchOptions, fallback: number) =>
    Math.max(1, Math.round(TICK_RATE / number(name, fallback, 0.01, TICK_RATE)));
  const ticks = (name: keyof MatchOptions, fallback: number, max: number) =>
    Math.round(number(name, fallback, 0, max) * TICK_RATE);
  const pickups = options.pickups ?? DEFAULT_PICKUP_SPOTS;
  pickups.forEach((spot, index) => {
    if (spot.kind !== 'ammo' && spot.kind !== 'repair') {
      throw new RangeError(`match config: pickup ${index} has kind ${String(spot.kind)}`);
    }
    if (!Number.isFinite(spot.x) || !Number.isFinite(spot.y)) {
      throw new RangeError(`match config: pickup ${index} is not at a finite position`);
    }
  });
  const matchTicks = ticks('matchSeconds', 300, MAX_MATCH_SECONDS);
  if (matchTicks < 1) throw new RangeError('match config: matchSeconds must last at least one tick');
  return Object.freeze({
    gunIntervalTicks: interval('gunShotsPerSecond', 10),
    gunDamage: integer('gunDamage', 8, 0, MAX_HEALTH),
    gunAmmoMax: integer('gunAmmoMax', 60, 0, MAX_GUN_AMMO),
    gunRange: number('gunRange', 80, 0, 1000),
    rocketIntervalTicks: interval('rocketsPerSecond', 1),
    rocketDamage: integer('rocketDamage', 35, 0, MAX_HEALTH),
    splashRadius: number('splashRadius', 6, 0, 100),
    splashDamage: integer('splashDamage', 20, 0, MAX_HEALTH),
    rocketAmmoMax: integer('rocketAmmoMax', 6, 0, MAX_ROCKET_AMMO),
    ramImpulseThreshold: number('ramImpulseThreshold', 10, 0, 1000),
    ramDamagePerImpulse: number('ramDamagePerImpulse', 0.5, 0, MAX_HEALTH),
    respawnTicks: ticks('respawnSeconds', 3, MAX_RESPAWN_SECONDS),
    pickupRadius: number('pickupRadius', 1.5, 0, 100),
    pickupRespawnTicks: ticks('pickupRespawnSeconds', 15, 3600),
    repairAmount: integer('repairAmount', 50, 0, MAX_HEALTH),
    matchTicks,
    warmupTicks: ticks('warmupSeconds', 3, MAX_MATCH_SECONDS),
    killScore: integer('killScore', 1, 0, 1000),
    killFeedLength: integer('killFeedLength', 5, 0, 100),
    pickups: Object.freeze(pickups.map((spot) => Object.freeze({ kind: spot.kind, x: spot.x, y: spot.y }))),
  });
}
