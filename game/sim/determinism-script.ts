import { DEFAULT_ARENA } from './arena.js';
import { hashWorld } from './hash.js';
import { hashGame } from './rules/hash-match.js';
import { addPlayer, createMatch } from './rules/match-state.js';
import { ScriptedPlayers } from './rules/scripted-players.js';
import { stepMatch } from './rules/step-match.js';
import { ScriptedDriving } from './scripted-driving.js';
import { stepWorld } from './step.js';
import { addVehicle, createWorld } from './world.js';

export const DETERMINISM_SCRIPT_TICKS = 600;
export const DETERMINISM_SCRIPT_SEED = 20_240_601;
export const DETERMINISM_SCRIPT_VEHICLES = 8;

/**
 * The cross-engine check: 8 vehicles (ids 1..8 on spawn points 0..7 of the default arena) driven by
 * ScriptedDriving with a fixed seed for `ticks` ticks, firing rockets on the way. Returns the world's
 * hash after every tick. Node, Chromium and Firefox must all return the same list; the unit test pins
 * its last value.
 */
export function runDeterminismScript(ticks: number = DETERMINISM_SCRIPT_TICKS): number[] {
  const world = createWorld(DEFAULT_ARENA);
  for (let index = 0; index < DETERMINISM_SCRIPT_VEHICLES; index++) addVehicle(world, index + 1, index);
  const driving = new ScriptedDriving(DETERMINISM_SCRIPT_SEED);
  const hashes: number[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    stepWorld(world, driving.prepare(world));
    hashes.push(hashWorld(world));
  }
  return hashes;
}

/**
 * The game's match for the cross-engine check: 1 s of warmup, then 8 s of play, so 600 ticks see the
 * warmup end, fights (gun, rockets, rams, deaths, respawns, pickups) and the match end with 60 ticks of
 * driving after it.
 */
export const GAME_DETERMINISM_MATCH = Object.freeze({ warmupSeconds: 1, matchSeconds: 8 });

/**
 * The whole game's cross-engine check: 8 players (ids 1..8 on spawn points 0..7 of the default arena)
 * driven by ScriptedPlayers with the script's seed, each tick `stepWorld` then `stepMatch` with the
 * default hitscan resolver. Returns `hashGame` after every tick; Node, Chromium and Firefox must agree.
 */
export function runGameDeterminismScript(ticks: number = DETERMINISM_SCRIPT_TICKS): number[] {
  const world = createWorld(DEFAULT_ARENA);
  const match = createMatch(GAME_DETERMINISM_MATCH);
  for (let index = 0; index < DETERMINISM_SCRIPT_VEHICLES; index++) addPlayer(match, world, index + 1, index);
  const players = new ScriptedPlayers(DETERMINISM_SCRIPT_SEED);
  const hashes: number[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const inputs = players.prepare(world, match);
    stepWorld(world, inputs);
    stepMatch(match, world, inputs);
    hashes.push(hashGame(world, match));
  }
  return hashes;
}
