import type { VehicleInput } from '../input.js';
import { type StepOptions, stepWorld } from '../step.js';
import { addVehicle, findVehicle, removeVehicle, type World } from '../world.js';
import { applyWorldEvents } from './damage.js';
import { type HitscanResolver, hitscanOnWorld } from './hitscan.js';
import { type MatchState, refit } from './match-state.js';
import { updatePickups } from './pickups.js';
import type { RuleEvent } from './rule-events.js';
import { coolWeapons, fireWeapons } from './weapons.js';

/**
 * Applies the game rules for one tick. Call it right after `stepWorld(world, inputs)` with the same
 * inputs (or use `stepGame`), once per tick, on the server with each player's input and on a predicting
 * client alike. Order, all in player id order where it matters:
 * 1. warmup: count down, then play starts; nothing else happens (fire inputs are ignored, not counted);
 * 2. damage from the step's sim events (rocket hits and blasts, rams), deaths and kill credit;
 * 3. weapons: fire and altFire of every living player (cooldowns, ammo, rejected fires); gun shots are
 *    resolved by `resolveHitscan` (default: a ray through this world) and hurt at once; rockets are
 *    spawned at the vehicle's nose as the step left it and first move, and can first hit, in the next
 *    `stepWorld`, so when a rocket flies never depends on when the rules ran;
 * 4. pickups taken and back; 5. the dead whose 3 s are up respawn at the clearest spawn point, fully
 *    armed; 6. cooldowns tick down; 7. the clock: when play time runs out the match ends (won by the most
 *    kills, ties shared; no winner at all if nobody killed), and from then on nothing is fired, hurt, taken
 *    or respawned.
 * Returns what the rules did this tick.
 */
export function stepMatch(
  match: MatchState,
  world: World,
  inputs: ReadonlyMap<number, VehicleInput>,
  resolveHitscan: HitscanResolver = hitscanOnWorld(world),
): RuleEvent[] {
  const events: RuleEvent[] = [];
  match.tick = world.tick;
  if (match.phase === 'ended') return events;
  if (match.phase === 'warmup') {
    if (match.warmupRemaining > 0) match.warmupRemaining--;
    if (match.warmupRemaining === 0) {
      match.phase = 'playing';
      events.push({ type: 'match-started' });
    }
    return events;
  }
  applyWorldEvents(match, world, world.events, events);
  fireWeapons(match, world, inputs, resolveHitscan, events);
  updatePickups(match, world, events);
  respawnPlayers(match, world, events);
  coolWeapons(match);
  match.remaining--;
  if (match.remaining <= 0) endMatch(match, events);
  return events;
}

/**
 * The match clock's share of `ticks` the world skipped (`ArenaAuthority.skip`: a server stall longer than
 * its catch-up, during which the world stood still): the match's time ran all the same, so the warm-up and
 * then the play count down by them as by stepped ticks, and a match whose time ran out meanwhile ends now
 * (as `stepMatch` ends one). Without it a stall made the match last that much longer than its length, on
 * a timeline every player's clock follows in real time. Respawns and pickups wait for their ticks of the
 * world, which the skip moved on already. Call it once the world's tick has moved on. Returns what the
 * rules did: match-started, match-ended.
 */
export function skipMatchTicks(match: MatchState, world: World, ticks: number): RuleEvent[] {
  const events: RuleEvent[] = [];
  match.tick = world.tick;
  if (!(ticks > 0) || match.phase === 'ended') return events;
  let left = ticks;
  if (match.phase === 'warmup') {
    // The warm-up's last tick is a warm-up tick, as in stepMatch: play counts from the tick after it.
    const spent = Math.min(left, match.warmupRemaining);
    match.warmupRemaining -= spent;
    left -= spent;
    if (match.warmupRemaining > 0) return events;
    match.phase = 'playing';
    events.push({ type: 'match-started' });
  }
  match.remaining -= left;
  if (match.remaining <= 0) endMatch(match, events);
  return events;
}

function respawnPlayers(match: MatchState, world: World, events: RuleEvent[]): void {
  for (const player of match.players) {
    if (player.alive || match.tick < player.respawnTick) continue;
    // A vehicle someone else put back under this id is replaced: the rules own the respawn.
    if (findVehicle(world, player.id) !== undefined) removeVehicle(world, player.id);
    const vehicle = addVehicle(world, player.id);
    player.alive = true;
    refit(player, match.config);
    events.push({ type: 'respawn', player: player.id, x: vehicle.x, y: vehicle.y });
  }
}

function endMatch(match: MatchState, events: RuleEvent[]): void {
  match.remaining = 0;
  match.phase = 'ended';
  let most = 0;
  for (const player of match.players) most = Math.max(most, player.kills);
  // Nobody out-killed anybody: a draw. Naming everyone who sat it out at 0 kills a winner would not be.
  match.winners =
    most === 0 ? [] : match.players.filter((player) => player.kills === most).map((player) => player.id);
  events.push({ type: 'match-ended', winners: [...match.winners] });
}

/** One whole game tick: `stepWorld` then `stepMatch` with the same inputs. Returns the rules' events. */
export function stepGame(
  world: World,
  match: MatchState,
  inputs: ReadonlyMap<number, VehicleInput>,
  resolveHitscan?: HitscanResolver,
  options?: StepOptions,
): RuleEvent[] {
  stepWorld(world, inputs, options);
  return stepMatch(match, world, inputs, resolveHitscan ?? hitscanOnWorld(world));
}
