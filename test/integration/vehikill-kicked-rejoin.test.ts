import { ErrorCode } from 'vehikill-net/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { TICK_MS } from '../../game/net/protocol/timeline.js';
import { eventually } from '../support/server.js';
import { stallingClock } from '../support/stalling-clock.js';
import { fromAddress, VehikillPlayers } from '../support/vehikill.js';

/*
 * A player the room kicks (the anti-cheat, or the server's operator) must not be back in the same match a
 * second later with a fresh scoreboard line. Refused for the rest of the match: the same session, a new
 * one from the same address (a guest's reloaded page is a new identity), not players from elsewhere; and
 * everyone may join once the next match starts.
 */

describe('a player kicked from a Vehikill match', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('is refused from that match until the next one starts, and so is its address', async () => {
    const clock = stallingClock();
    // The end of the match is stalled through: the server's timeouts are longer than the stall.
    const server = await players.start(
      { matchSeconds: 120, warmupSeconds: 0, pauseSeconds: 1 },
      { clock, heartbeatTimeoutMs: 600_000, nodeTtlMs: 600_000 },
    );
    const host = players.player('host', { client: fromAddress('127.0.0.2') });
    await host.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    const code = host.room?.code as string;
    if (!room) throw new Error('no room');
    const cheater = players.player('cheater');
    await cheater.joinByCode(code);
    const left: string[] = [];
    cheater.on('left', ({ reason }) => left.push(reason));
    const member = room.clients.find((client) => client.playerId === cheater.client.playerId);
    if (!member) throw new Error('not seated');
    room.kick(member, 'kicked by the host');
    await eventually(() => left.includes(ErrorCode.KICKED), 'the kick', 10_000);

    const refused = {
      code: ErrorCode.JOIN_REJECTED,
      message: expect.stringMatching(/kicked from this match/),
    };
    await expect(cheater.joinByCode(code)).rejects.toMatchObject(refused);
    // A reload: a new session and guest identity, from the same address.
    const reloaded = players.player('cheater again');
    await expect(reloaded.joinByCode(code)).rejects.toMatchObject(refused);
    expect(room.roster.map((entry) => entry.name)).toEqual(['host']);
    // Players from elsewhere still join.
    const other = players.player('other', { client: fromAddress('127.0.0.3') });
    await other.joinByCode(code);
    expect(room.match.phase).toBe('playing');

    // The match runs out and the next one starts (the pause is a second): the kicked may play again.
    clock.stall(room.match.remaining * TICK_MS + 1_000);
    await eventually(() => room.matchNumber === 2, 'the next match', 10_000);
    await cheater.joinByCode(code);
    await eventually(() => room.roster.some((entry) => entry.name === 'cheater'), 'the cheater back', 10_000);
  });
});
