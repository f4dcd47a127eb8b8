import { ErrorCode } from 'vehikill-net/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A GameSession lets go of its room (mesh, netcode, roster) before it asks for the next one: the first
 * snapshots follow the join's answer at once. When that join is refused, the server has not moved the
 * player, so the session must not leave them seated where it no longer plays: a car nobody drives,
 * in the other players' match, that the session can no longer take out (`leave()` had no room).
 */
describe('a GameSession whose join of another room is refused', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('leaves no seat behind in the room it was in', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const host = players.player('host');
    const mover = players.player('mover');
    await host.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    await mover.joinByCode(host.room?.code as string);
    await eventually(() => room.roster.length === 2, 'both seated', 10_000);

    await expect(mover.join('no-such-room')).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
    expect(mover.room).toBeUndefined();
    await eventually(
      () => room.roster.every((entry) => entry.name !== 'mover'),
      'the refused mover to be out of the room it was in',
      10_000,
    );
    // And the session can play again.
    await mover.joinByCode(host.room?.code as string);
    expect(mover.room).toBeDefined();
    await eventually(() => room.roster.length === 2, 'the mover back', 10_000);
  });

  it('stays in its room when it asks to join that room again', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const player = players.player('stayer');
    await player.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    const joined = player.room;
    if (!room || !joined) throw new Error('no room');
    const code = joined.code as string;

    await expect(player.join(joined.roomId)).rejects.toMatchObject({ code: ErrorCode.JOIN_REJECTED });
    await expect(player.joinByCode(code.toLowerCase())).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
    });
    expect(player.room).toBe(joined);
    expect(player.arena).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(room.roster.map((entry) => entry.name)).toEqual(['stayer']);
  });
});
