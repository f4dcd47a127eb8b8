import { FNV_OFFSET_BASIS, hashWorld, mixWord } from '../hash.js';
import type { World } from '../world.js';
import type { MatchPhase, MatchState, Weapon } from './match-state.js';

const PHASE_CODES: Record<MatchPhase, number> = { warmup: 0, playing: 1, ended: 2 };
const WEAPON_CODES: Record<Weapon, number> = { gun: 0, rocket: 1, ram: 2 };

/**
 * A 32-bit FNV-1a hash of the rules state, for desync checks: tick, phase and clocks, winners, then every
 * player's integers in id order (health, ammo, cooldowns, alive, respawn tick, kills, deaths, score,
 * rejected fires), every pickup's active flag and respawn tick, and the kill feed. Everything here is an
 * integer, so equal hashes mean equal states on every engine. The config and pickup positions are fixed
 * for a match and left out; the damage state follows from health.
 */
export function hashMatch(match: MatchState): number {
  let h = FNV_OFFSET_BASIS;
  h = mixWord(h, match.tick >>> 0);
  h = mixWord(h, Math.floor(match.tick / 0x1_0000_0000));
  h = mixWord(h, PHASE_CODES[match.phase]);
  h = mixWord(h, match.warmupRemaining);
  h = mixWord(h, match.remaining);
  h = mixWord(h, match.winners.length);
  for (const winner of match.winners) h = mixWord(h, winner);
  h = mixWord(h, match.players.length);
  for (const player of match.players) {
    h = mixWord(h, player.id);
    h = mixWord(h, player.health);
    h = mixWord(h, player.gunAmmo);
    h = mixWord(h, player.rocketAmmo);
    h = mixWord(h, player.gunCooldown);
    h = mixWord(h, player.rocketCooldown);
    h = mixWord(h, player.alive ? 1 : 0);
    h = mixWord(h, player.respawnTick);
    h = mixWord(h, player.kills);
    h = mixWord(h, player.deaths);
    h = mixWord(h, player.score);
    h = mixWord(h, player.rejectedFires);
    h = mixWord(h, player.excusedFires);
    h = mixWord(h, player.gunEmptiedTick);
    h = mixWord(h, player.rocketEmptiedTick);
  }
  h = mixWord(h, match.pickups.length);
  for (const pickup of match.pickups) {
    h = mixWord(h, pickup.id);
    h = mixWord(h, pickup.active ? 1 : 0);
    h = mixWord(h, pickup.respawnTick);
  }
  h = mixWord(h, match.killFeed.length);
  for (const entry of match.killFeed) {
    h = mixWord(h, entry.tick);
    h = mixWord(h, entry.killer);
    h = mixWord(h, entry.victim);
    h = mixWord(h, WEAPON_CODES[entry.weapon]);
  }
  return h >>> 0;
}

/** The whole game's hash: the world's (`hashWorld`) and the rules' (`hashMatch`) mixed into one word. */
export function hashGame(world: World, match: MatchState): number {
  return mixWord(mixWord(FNV_OFFSET_BASIS, hashWorld(world)), hashMatch(match)) >>> 0;
}
