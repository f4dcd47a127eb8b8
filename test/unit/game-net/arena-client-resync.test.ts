import { describe, expect, it } from 'vitest';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { NEUTRAL_INPUT } from '../../../game/sim/index.js';
import { arenaHarness } from './arena-harness.js';

describe('ArenaClient when the server timeline moves back', () => {
  it('starts its inputs and prediction over from the earlier tick instead of throwing', () => {
    const arena = arenaHarness();
    arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1 };
    arena.run(3_000);
    expect(arena.client.prediction).toBeDefined();
    const before = arena.client.tick as number;
    // A 2.5 s stall: the server catches up a second and drops the rest, so its timeline is 1.5 s behind
    // the player's clock, which jumps back (an error over a second is not slewed).
    arena.stallServer(2_500);
    arena.run(2_500);
    expect(() => arena.run(3_000)).not.toThrow();
    expect(arena.droppedTicks).toBeGreaterThanOrEqual(89);
    // Back on the server's timeline: a little ahead of it, not 1.5 s.
    const tick = arena.client.tick as number;
    const lead = tick - arena.authority.world.tick;
    expect(tick).toBeLessThan(before + Math.round(5_500 / TICK_MS) - 60);
    expect(lead).toBeGreaterThan(0);
    expect(lead).toBeLessThan(10);
    // Its inputs are consumed again and its car is predicted on the new ticks.
    const consumed = arena.authority.inputsOf(arena.member)?.lastConsumedTick as number;
    arena.run(1_000);
    expect(arena.client.status?.consumedTick).toBeGreaterThan(consumed);
    expect(arena.client.prediction?.tick).toBe((arena.client.tick as number) - 1);
  });
});
