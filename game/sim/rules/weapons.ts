import type { VehicleInput } from '../input.js';
import { fireRocket } from '../projectile.js';
import { raycastWalls } from '../raycast.js';
import { TICK_RATE } from '../time.js';
import { cos, sin } from '../trig.js';
import type { Vehicle } from '../vehicle.js';
import { findVehicle, type World } from '../world.js';
import { applyDamage } from './damage.js';
import type { HitscanResolver } from './hitscan.js';
import { findPlayer, type MatchState, type PlayerState } from './match-state.js';
import type { RuleEvent } from './rule-events.js';

/**
 * Whether a fire input for this weapon would be honoured now: alive, cooled down, ammo left. A client
 * that predicts with the rules sends `fire`/`altFire` only when this holds, so its honest inputs are never
 * counted as rejected.
 */
export function weaponReady(player: PlayerState, weapon: 'gun' | 'rocket'): boolean {
  if (!player.alive) return false;
  return weapon === 'gun'
    ? player.gunCooldown === 0 && player.gunAmmo > 0
    : player.rocketCooldown === 0 && player.rocketAmmo > 0;
}

/**
 * How long after its weapon ran dry a player's fire inputs are excused (ticks:
 * a second, the reach of lag compensation). The client learns of either from a snapshot, a round trip
 * and an interpolation delay later, so an honest trigger may still be pulled until then; such a fire
 * does nothing and gains nothing. Firing faster than the weapon's interval is never excused.
 */
export const LATE_FIRE_GRACE_TICKS = TICK_RATE;

/** Counts a refused fire input: excused when latency explains it, else held against the player. */
function refuseFire(match: MatchState, player: PlayerState, cooldown: number, unarmedSince: number): void {
  const late = cooldown === 0 && match.tick - unarmedSince <= LATE_FIRE_GRACE_TICKS;
  if (late) player.excusedFires++;
  else player.rejectedFires++;
}

interface GunHit {
  readonly shooter: number;
  readonly target: number;
}

/**
 * Every player's fire (gun) and altFire (rocket) input, in id order: refused while the player is
 * wrecked (counted in `excusedFires`) or the weapon cools down or is empty (in `excusedFires` when
 * latency explains it, LATE_FIRE_GRACE_TICKS, else in `rejectedFires`); otherwise it spends a round and starts the
 * cooldown. Rockets are spawned with `fireRocket` and first move in the next `stepWorld`. Gun shots are
 * all resolved before any of their damage is applied, so shots in the same tick are simultaneous: a
 * player wrecked by a lower id's shot still gets its own shot off.
 */
export function fireWeapons(
  match: MatchState,
  world: World,
  inputs: ReadonlyMap<number, VehicleInput>,
  resolveHitscan: HitscanResolver,
  events: RuleEvent[],
): void {
  const config = match.config;
  const hits: GunHit[] = [];
  for (const player of match.players) {
    const input = inputs.get(player.id);
    const vehicle = findVehicle(world, player.id);
    if (input === undefined) continue;
    if (!player.alive) {
      // Wrecked: always excused. Such a trigger does nothing and gains nothing, and a page learns of its
      // death only from a snapshot, later still when the server runs late: counting it past a grace
      // would only ever catch honest players.
      if (input.fire) player.excusedFires++;
      if (input.altFire) player.excusedFires++;
      continue;
    }
    if (vehicle === undefined) continue;
    if (input.fire) {
      if (!weaponReady(player, 'gun')) refuseFire(match, player, player.gunCooldown, player.gunEmptiedTick);
      else {
        player.gunAmmo--;
        if (player.gunAmmo === 0) player.gunEmptiedTick = match.tick;
        player.gunCooldown = config.gunIntervalTicks;
        const target = shoot(match, world, vehicle, resolveHitscan, events);
        if (target !== null) hits.push({ shooter: player.id, target });
      }
    }
    if (input.altFire) {
      if (!weaponReady(player, 'rocket')) {
        refuseFire(match, player, player.rocketCooldown, player.rocketEmptiedTick);
      } else {
        player.rocketAmmo--;
        if (player.rocketAmmo === 0) player.rocketEmptiedTick = match.tick;
        player.rocketCooldown = config.rocketIntervalTicks;
        const rocket = fireRocket(world, player.id);
        events.push({ type: 'rocket-fired', shooter: player.id, rocket: rocket.id });
      }
    }
  }
  for (const hit of hits) applyDamage(match, world, hit.target, hit.shooter, 'gun', config.gunDamage, events);
}

/** One gun shot from the vehicle's centre along its heading: the target the resolver names, if valid. */
function shoot(
  match: MatchState,
  world: World,
  vehicle: Vehicle,
  resolveHitscan: HitscanResolver,
  events: RuleEvent[],
): number | null {
  const range = match.config.gunRange;
  const origin = { x: vehicle.x, y: vehicle.y };
  const direction = { x: cos(vehicle.angle), y: sin(vehicle.angle) };
  const claimed = resolveHitscan(vehicle.id, origin, direction, range);
  const target =
    claimed !== null && claimed !== vehicle.id && findPlayer(match, claimed)?.alive === true ? claimed : null;
  // The tracer's end, for effects only: the point on the ray nearest the target as this world has it
  // (the resolver may have judged a rewound world), else where the ray meets a wall or runs out.
  let reach: number;
  const targetVehicle = target === null ? undefined : findVehicle(world, target);
  if (targetVehicle !== undefined) {
    const along = (targetVehicle.x - origin.x) * direction.x + (targetVehicle.y - origin.y) * direction.y;
    reach = Math.min(range, Math.max(0, along));
  } else {
    reach = raycastWalls(world, origin, direction, range) ?? range;
  }
  events.push({
    type: 'shot',
    shooter: vehicle.id,
    fromX: origin.x,
    fromY: origin.y,
    toX: origin.x + direction.x * reach,
    toY: origin.y + direction.y * reach,
    target,
  });
  return target;
}

/** The end of a tick: every weapon's cooldown one tick nearer ready. */
export function coolWeapons(match: MatchState): void {
  for (const player of match.players) {
    if (player.gunCooldown > 0) player.gunCooldown--;
    if (player.rocketCooldown > 0) player.rocketCooldown--;
  }
}
