import { describe, expect, it } from 'vitest';
import { addVehicle, findVehicle, NEUTRAL_INPUT, removeVehicle } from '../../../game/sim/index.js';
import { arenaHarness } from './arena-harness.js';

describe('ArenaClient when its own car leaves the world (a death)', () => {
  it('stops predicting and drawing it, and starts again from the server state when it is back', () => {
    const arena = arenaHarness();
    arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1 };
    arena.run(2_000);
    expect(arena.client.frame(arena.clock.now()).own).toBeDefined();
    // The rules take a wrecked car out of the world until it respawns.
    removeVehicle(arena.authority.world, arena.vehicleId);
    arena.run(500);
    expect(arena.client.prediction).toBeUndefined();
    expect(arena.client.frame(arena.clock.now()).own).toBeUndefined();
    // Still held down: nothing is driven meanwhile.
    arena.run(500);
    expect(arena.client.frame(arena.clock.now()).own).toBeUndefined();
    // Respawned: predicted again, from where the server put it.
    addVehicle(arena.authority.world, arena.vehicleId);
    const spawn = { ...findVehicle(arena.authority.world, arena.vehicleId) };
    arena.controls.input = NEUTRAL_INPUT;
    arena.run(500);
    const own = arena.client.frame(arena.clock.now()).own;
    expect(own).toBeDefined();
    expect(Math.hypot((own?.x ?? 0) - (spawn.x ?? 0), (own?.y ?? 0) - (spawn.y ?? 0))).toBeLessThan(1);
    expect(arena.client.prediction?.tick).toBe((arena.client.tick as number) - 1);
  });
});
