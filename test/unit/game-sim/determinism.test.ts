import { describe, expect, it } from 'vitest';
import {
  addVehicle,
  cloneWorld,
  copyWorldInto,
  createWorld,
  DEFAULT_ARENA,
  DETERMINISM_SCRIPT_TICKS,
  hashWorld,
  runDeterminismScript,
  ScriptedDriving,
  stepWorld,
  type World,
} from '../../../game/sim/index.js';

/**
 * The hash after the last tick of the determinism script. Node computed it; a browser run of the same
 * script in Chromium and Firefox must give the same number. If a deliberate change to the simulation
 * moves it, update it here and say why in the commit.
 */
const GOLDEN_FINAL_HASH = 3_554_883_471;

function eightVehicleWorld(): World {
  const world = createWorld(DEFAULT_ARENA);
  for (let id = 1; id <= 8; id++) addVehicle(world, id);
  return world;
}

describe('determinism', () => {
  it('two worlds fed the same seeded script give the same hash on every one of 3,000 ticks', () => {
    const first = eightVehicleWorld();
    const second = eightVehicleWorld();
    const firstDriving = new ScriptedDriving(77);
    const secondDriving = new ScriptedDriving(77);
    let collisions = 0;
    let rocketEvents = 0;
    const distinctHashes = new Set<number>();
    for (let tick = 0; tick < 3000; tick++) {
      const events = stepWorld(first, firstDriving.prepare(first));
      stepWorld(second, secondDriving.prepare(second));
      const hash = hashWorld(first);
      if (hash !== hashWorld(second)) expect.unreachable(`hashes differ at tick ${first.tick}`);
      distinctHashes.add(hash);
      collisions += events.filter((event) => event.type === 'vehicle-collision').length;
      rocketEvents += events.filter((event) => event.type.startsWith('rocket')).length;
    }
    expect(first.tick).toBe(3000);
    // The script really exercises the simulation: vehicles bump and rockets fly.
    expect(collisions).toBeGreaterThan(50);
    expect(rocketEvents).toBeGreaterThan(50);
    expect(distinctHashes.size).toBe(3000);
    expect(first.vehicles).toEqual(second.vehicles);
    expect(first.rockets).toEqual(second.rockets);
  });

  it('a clone continues exactly as the original, and copyWorldInto restores a state', () => {
    const original = eightVehicleWorld();
    const driving = new ScriptedDriving(5);
    for (let tick = 0; tick < 700; tick++) stepWorld(original, driving.prepare(original));
    const clone = cloneWorld(original);
    expect(hashWorld(clone)).toBe(hashWorld(original));
    const saved = cloneWorld(original);
    const hashesAtSave: number[] = [];
    for (let tick = 0; tick < 500; tick++) {
      stepWorld(original, driving.prepare(original));
      stepWorld(clone, driving.prepare(clone));
      expect(hashWorld(clone)).toBe(hashWorld(original));
      hashesAtSave.push(hashWorld(original));
    }
    // Rewind a used world (more rockets and vehicles than the saved one may have) and replay.
    copyWorldInto(clone, saved);
    expect(hashWorld(clone)).toBe(hashWorld(saved));
    expect(clone.rockets).toEqual(saved.rockets);
    for (const expected of hashesAtSave) {
      stepWorld(clone, driving.prepare(clone));
      expect(hashWorld(clone)).toBe(expected);
    }
  });

  it('a clone shares no mutable state with its source', () => {
    const world = eightVehicleWorld();
    const clone = cloneWorld(world);
    const before = hashWorld(world);
    (clone.vehicles[0] as { x: number }).x += 1;
    stepWorld(clone, new Map());
    expect(hashWorld(world)).toBe(before);
    expect(world.tick).toBe(0);
  });

  it('the determinism script gives its golden final hash', () => {
    const hashes = runDeterminismScript();
    expect(hashes).toHaveLength(DETERMINISM_SCRIPT_TICKS);
    expect(new Set(hashes).size).toBe(DETERMINISM_SCRIPT_TICKS);
    expect(hashes.at(-1)).toBe(GOLDEN_FINAL_HASH);
    expect(runDeterminismScript()).toEqual(hashes);
  });
});
