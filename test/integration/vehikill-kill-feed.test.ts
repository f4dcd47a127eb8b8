import { afterAll, describe, expect, it } from 'vitest';
import type { KillFeedEntry } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * Every match starts with an empty kill feed on the server (what a late joiner is given). A player's
 * session must start it empty too, whether the next match opens with a warm-up or, on a server
 * configured without one (`warmupSeconds: 0`), straight in play.
 */
describe("a Vehikill session's kill feed", () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('starts empty with the next match when there is no warm-up', async () => {
    const server = await players.start({ matchSeconds: 3, warmupSeconds: 0, pauseSeconds: 1 });
    const player = players.player('watcher');
    await player.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    // A kill of the first match, as the room tells it (the player alone: nobody kills in the next).
    const kill: KillFeedEntry = { tick: 1, killer: 5, victim: room.roster[0]?.vehicleId ?? 0, weapon: 'gun' };
    room.broadcast('kill', kill);
    await eventually(() => player.killFeed.length > 0, 'the kill in the feed', 10_000);
    expect(player.matchNotice?.match).toBe(1);

    await eventually(() => player.matchNotice?.match === 2, 'the next match', 15_000);
    expect(player.matchNotice?.phase).toBe('playing');
    expect(room.match.killFeed).toEqual([]);
    expect(player.killFeed).toEqual([]);
  });
});
