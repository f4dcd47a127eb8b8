import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * The server tells the players how long the pause between two matches lasts once, in the notice that the
 * match ended. The page's timer reads "Match over · next in N s" from the session: N must count down
 * through the pause, not say the pause's whole length until the next match begins.
 */
describe('the pause before the next Vehikill match', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('counts down from the match-ended notice', async () => {
    await players.start({ matchSeconds: 1, warmupSeconds: 0, pauseSeconds: 8 });
    const player = players.player('waiting');
    await player.createPrivate({ bots: 0 });
    await eventually(() => player.matchNotice?.phase === 'ended', 'the match to end', 10_000);
    const first = player.nextMatchInMs();
    expect(first).toBeGreaterThan(5_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const later = player.nextMatchInMs() as number;
    // 2 s later, give or take the timer's lateness on a loaded machine.
    expect(later).toBeLessThanOrEqual((first as number) - 1_900);
    expect(later).toBeGreaterThan(0);
  });
});
