import { DEFAULT_ARENA } from './arena.js';
import { hashWorld } from './hash.js';
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
