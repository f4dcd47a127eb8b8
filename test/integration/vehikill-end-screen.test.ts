import { afterAll, describe, expect, it } from 'vitest';
import { findPlayer } from '../../game/sim/index.js';
import { eventually, sleep } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * The end screen names the match's winners and final standings by vehicle id. A player who joins during
 * the pause after a match is told them too (the match notice in the room's state), and must be told the
 * match as it ended: not a scoreboard with the leavers gone and itself in, nor itself named the winner
 * because it was given the id of a winner who left.
 */
describe('a Vehikill match over', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('is told to a player joining during the pause as it ended, the winner being another car', async () => {
    const server = await players.start({ matchSeconds: 2, warmupSeconds: 0, pauseSeconds: 30 });
    const host = players.player('host');
    const winner = players.player('winner');
    await host.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    const code = host.room?.code as string;
    await winner.joinByCode(code);
    players.drive([host, winner]);
    await eventually(() => winner.me !== undefined, 'the winner seated', 10_000);
    const winnerId = winner.me?.vehicleId as number;
    Object.assign(findPlayer(room.match, winnerId) ?? {}, { kills: 2, score: 2 });
    await eventually(() => host.matchNotice?.phase === 'ended', 'the match to end', 10_000);
    const final = host.matchNotice;
    expect(final?.winners).toEqual([winnerId]);

    // The winner goes; a newcomer joins once the winner's car has left the lag history (1 s).
    await winner.leave();
    await sleep(1_500);
    const newcomer = players.player('newcomer');
    await newcomer.joinByCode(code);
    await eventually(() => newcomer.me !== undefined, 'the newcomer seated', 10_000);
    expect(newcomer.me?.vehicleId).not.toBe(winnerId);
    const told = newcomer.matchNotice;
    expect(told?.phase).toBe('ended');
    expect(told?.winners).toEqual([winnerId]);
    expect(told?.standings).toEqual(final?.standings);
    expect(told?.standings.find((line) => line.vehicleId === winnerId)?.kills).toBe(2);
  }, 30_000);
});
