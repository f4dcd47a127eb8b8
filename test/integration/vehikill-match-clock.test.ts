import { afterAll, describe, expect, it } from 'vitest';
import type { MatchState } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { stallingClock } from '../support/stalling-clock.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A server that stalls for longer than its loop catches up (a second of ticks) skips the rest: its world
 * stands still for them. The match's time must run all the same, or the match lasts longer than its
 * length by every such stall, while every player's clock (and the timer on their screen) runs on.
 */

/** Ticks the match's clock has counted since the match was created: warm-up, then play. */
function counted(match: Readonly<MatchState>): number {
  const { warmupTicks, matchTicks } = match.config;
  return warmupTicks - match.warmupRemaining + matchTicks - match.remaining;
}

describe('the match clock of a Vehikill room whose server stalled', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('counts the ticks skipped after a stall, in the warm-up and in play', async () => {
    const clock = stallingClock();
    await players.start({ matchSeconds: 600, warmupSeconds: 2 }, { clock });
    const host = players.player('host');
    await host.createPrivate({ bots: 0 });
    const room = players.server?.rooms.at(-1);
    if (!room) throw new Error('no room');
    // Each tick of the world since the match was created is one of its clock's.
    const createdAt = room.authority.world.tick - counted(room.match);

    // 3.5 s at once (210 ticks): 150 skipped, then 60 run. The 2 s warm-up ends within those skipped, and
    // play counts the rest; the next stall skips 120 ticks of play.
    for (const stallMs of [3_500, 3_000]) {
      const before = room.authority.world.tick;
      clock.stall(stallMs);
      await eventually(
        () => room.authority.world.tick > before + stallMs / 20,
        'the stall caught up',
        10_000,
      );
      expect(counted(room.match)).toBe(room.authority.world.tick - createdAt);
    }
    expect(room.match.phase).toBe('playing');
  });
});
