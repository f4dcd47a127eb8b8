import { describe, expect, it } from 'vitest';
import { NEUTRAL_INPUT } from '../../../game/sim/index.js';
import { arenaHarness } from './arena-harness.js';

/**
 * A player driving on a 40 ms link whose page is away for a while (hidden, or stalled by a long task),
 * then comes back: how its tick sits against the server's afterwards (its lead, sampled every 100 ms for
 * 6 s), and how many of its inputs the server refused as arriving after their tick.
 */
function comeBack(away: (arena: ReturnType<typeof arenaHarness>) => void) {
  const arena = arenaHarness();
  arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1, steer: 0.25 };
  arena.run(3_000);
  const lead = () => (arena.client.tick as number) - arena.authority.world.tick;
  const leadBefore = lead();
  const buffer = arena.authority.inputsOf(arena.member);
  const staleBefore = buffer?.rejected.stale ?? 0;
  away(arena);
  // The player holds other keys now: every refused input is a tick the server drove with the wrong ones.
  arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1, steer: -0.5 };
  const leads: number[] = [];
  let settled = 0;
  for (let step = 0; step < 60; step++) {
    arena.run(100);
    leads.push(lead());
    // The first reconciliations after coming back put the car where the server has it (it coasted).
    if (step === 4) settled = arena.corrections.length;
  }
  const stale = (buffer?.rejected.stale ?? 0) - staleBefore;
  const later = arena.corrections.slice(settled);
  const worst = Math.max(0, ...later);
  console.log(
    `lead ${leadBefore} before; after: ${leads.join(',')}; ${stale} inputs stale; ` +
      `corrections from 0.5 s on: ${later.filter((error) => error > 0).length} of ${later.length}, worst ${worst.toFixed(2)} units`,
  );
  return { leadBefore, leads, stale, worst };
}

describe('ArenaClient coming back to the server timeline', () => {
  for (const hiddenMs of [300, 5_000]) {
    it(`after ${hiddenMs} ms hidden, sends on time at once and overshoots its lead by at most 2 ticks`, () => {
      const { leadBefore, leads, stale, worst } = comeBack((arena) => {
        arena.setHidden(true);
        arena.run(hiddenMs);
        arena.setHidden(false);
      });
      // Before: a 300 ms hide left its tick 18 behind (too little for a restart), all its inputs late for
      // 8.5 s while the rate controller made it up at 3% (518 refused).
      expect(stale).toBe(0);
      // Nor is the car pulled back (before: every reconciliation for seconds, up to 0.2 units each).
      expect(worst).toBe(0);
      expect(Math.min(...leads)).toBeGreaterThanOrEqual(1);
      // The server's margin is a minimum over a second, which still holds the hidden time when inputs come
      // again: the player speeds up for that second (3%), then eases back.
      expect(Math.max(...leads)).toBeLessThanOrEqual(leadBefore + 2);
      expect(Math.abs((leads.at(-1) as number) - leadBefore)).toBeLessThanOrEqual(1);
    });
  }

  it('stays idle while hidden even when its update keeps being called (a timer-driven page, a bot)', () => {
    const arena = arenaHarness();
    arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1 };
    arena.run(3_000);
    const tick = arena.client.tick;
    // Hidden without stopping the frames: update() and frame() go on.
    arena.client.setHidden(true, arena.clock.now());
    arena.run(2_000);
    // Before, once its tick was 30 behind the server's (half a second), update() started it over and
    // woke the loop up: a hidden page sending inputs again.
    expect(arena.client.loop.hidden).toBe(true);
    expect(arena.client.tick).toBe(tick);
  });

  it('skips the ticks its loop dropped after a long stall of the page, instead of falling behind', () => {
    const { leadBefore, leads, stale, worst } = comeBack((arena) => {
      arena.stallPage(400);
      arena.run(400);
    });
    // Inputs of ticks due during the stall are late whatever happens: the loop runs at most 10 at once,
    // and those the server passed meanwhile are refused. Before, the 14 ticks the loop dropped put every
    // input after them late too, for seconds.
    expect(stale).toBeLessThanOrEqual(10);
    expect(worst).toBe(0);
    expect(Math.min(...leads)).toBeGreaterThanOrEqual(1);
    expect(Math.abs((leads.at(-1) as number) - leadBefore)).toBeLessThanOrEqual(1);
  });
});
