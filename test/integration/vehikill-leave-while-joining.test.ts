import { ErrorCode } from 'vehikill-net/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * `leave()` asked while a join is under way used to return at once, and then the join's answer came and
 * the player was seated in a room the game believed it had left (with no netcode: `leave()` had disposed
 * it). The join under way is now abandoned: its room is left as soon as it is answered, its promise
 * rejects with NOT_IN_ROOM, and `leave()` resolves once the player is seated nowhere.
 */
describe('a GameSession asked to leave while a join is under way', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('abandons the join: the player ends seated nowhere and the join rejects', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const player = players.player('fickle');
    await player.client.connect();
    const joining = player.createPrivate({ bots: 0 });
    const outcome = joining.then(
      () => undefined,
      (error: unknown) => error,
    );
    await player.leave();
    expect(await outcome).toMatchObject({ code: ErrorCode.NOT_IN_ROOM });
    expect(player.room).toBeUndefined();
    expect(player.arena).toBeUndefined();
    expect(player.client.room).toBeUndefined();
    expect(server.rooms.filter((made) => made.roster.length > 0)).toHaveLength(0);
  });

  it('can join again once the abandoned join has ended', async () => {
    const player = players.player('second-thoughts');
    await player.client.connect();
    const joining = player.createPrivate({ bots: 0 });
    await player.leave();
    await expect(joining).rejects.toMatchObject({ code: ErrorCode.NOT_IN_ROOM });
    await player.createPrivate({ bots: 0 });
    expect(player.room).toBeDefined();
    expect(player.client.room?.roomId).toBe(player.room?.roomId);
    expect(player.arena).toBeDefined();
  });
});
