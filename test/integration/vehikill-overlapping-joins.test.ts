import { ErrorCode } from 'vehikill-net/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A GameSession plays one room: its netcode, mesh and listeners are made for the join under way. A second
 * join asked before the first is answered used to tear down what the first had made, then have both set
 * up over each other: the first room's leave (the server moving the player on) took down the netcode
 * of the second, which was left seated with no inputs going out and nothing to draw.
 */
describe('a GameSession asked to join while a join is under way', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('refuses the second join and plays the first room', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const player = players.player('hasty');
    await player.client.connect();
    const first = player.createPrivate({ bots: 0 });
    const second = player.createPrivate({ bots: 0 });
    const [firstOutcome, secondOutcome] = await Promise.allSettled([first, second]);
    expect(firstOutcome.status).toBe('fulfilled');
    expect(secondOutcome).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.JOIN_REJECTED } });
    const room = player.room;
    expect(room).toBeDefined();
    expect(player.client.room?.roomId).toBe(room?.roomId);
    expect(player.arena).toBeDefined();
    expect(player.mesh).toBeDefined();
    expect(server.rooms.filter((made) => made.roster.length > 0)).toHaveLength(1);
  });
});
