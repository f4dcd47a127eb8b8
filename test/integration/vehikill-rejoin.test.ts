import { afterAll, describe, expect, it } from 'vitest';
import { findPlayer } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A player with kills and score in a running match loses its connection and comes back within the
 * session's grace period: it is the same player, and keeps its line of the scoreboard. One who leaves
 * on purpose and joins again later is a new player (a new seat, a fresh line), and so is one who comes
 * back after the grace period, its seat lost, and joins the match again (the page's "Back to your match").
 */
/**
 * A host's private match with a player behind a proxy the test can cut, both driven and seated; the
 * player's scoreboard line set to 3 kills, 1 death, 300 points.
 */
async function playerWithAScore(players: VehikillPlayers, serverOptions?: { graceMs: number }) {
  const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 }, serverOptions);
  const proxy = new TcpProxy(server.port);
  await proxy.listen();
  const host = players.player('host');
  const player = players.player('player', { client: { url: `ws://127.0.0.1:${proxy.port}/ws` } });
  await host.createPrivate({ bots: 0 });
  const room = server.rooms.at(-1);
  if (!room) throw new Error('no room');
  const code = host.room?.code as string;
  await player.joinByCode(code);
  players.drive([host, player]);
  await eventually(() => player.me !== undefined, 'seated', 10_000);
  const vehicleId = player.me?.vehicleId as number;
  const line = findPlayer(room.match, vehicleId);
  if (!line) throw new Error('no scoreboard line');
  Object.assign(line, { kills: 3, deaths: 1, score: 300 });
  return { proxy, player, room, code, vehicleId };
}

describe('a Vehikill player coming back to a running match', () => {
  const players = new VehikillPlayers();
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await players.close();
  });

  it('keeps its kills, deaths and score after a dropped connection, and starts afresh after leaving', async () => {
    const started = await playerWithAScore(players);
    proxy = started.proxy;
    const { player, room, code, vehicleId } = started;
    const synced = () => player.scoreboard().find((entry) => entry.vehicleId === vehicleId);
    await eventually(() => synced()?.kills === 3, 'the line synced to the player', 5_000);

    // The connection drops; the client resumes its session within the grace period.
    const resumed: boolean[] = [];
    player.client.on('reconnect', (event) => resumed.push(event.resumed));
    const playerId = player.client.playerId;
    proxy.dropAll();
    await eventually(() => resumed.length === 1, 'the player back', 10_000);
    expect(resumed).toEqual([true]);
    expect(player.client.playerId).toBe(playerId);
    expect(room.roster.find((entry) => entry.playerId === playerId)?.vehicleId).toBe(vehicleId);
    expect(findPlayer(room.match, vehicleId)).toMatchObject({ kills: 3, deaths: 1, score: 300 });
    await eventually(() => synced()?.score === 300 && synced()?.kills === 3, 'the line still synced', 5_000);

    // A deliberate leave, and a new join later: a new player with a fresh line.
    await player.leave();
    expect(findPlayer(room.match, vehicleId)).toBeUndefined();
    await player.joinByCode(code);
    await eventually(() => player.me !== undefined, 'seated again', 10_000);
    const again = findPlayer(room.match, player.me?.vehicleId as number);
    expect(again).toMatchObject({ kills: 0, deaths: 0, score: 0 });
  }, 40_000);
});

describe('a Vehikill player whose seat was lost', () => {
  const players = new VehikillPlayers();
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await players.close();
  });

  it('joins the match again as a new player: a new car, a fresh scoreboard line', async () => {
    const started = await playerWithAScore(players, { graceMs: 1_000 });
    proxy = started.proxy;
    const { player, room, vehicleId } = started;
    // Away past the grace period: the server lets the session go, and its seat and line with it.
    const left: string[] = [];
    player.on('left', ({ reason }) => left.push(reason));
    proxy.block();
    await eventually(() => findPlayer(room.match, vehicleId) === undefined, 'the seat let go', 10_000);
    proxy.unblock();
    await eventually(() => left.includes('SESSION_EXPIRED'), 'told the seat is lost', 15_000);

    await player.join(room.roomId);
    await eventually(() => player.me !== undefined, 'seated again', 10_000);
    const again = player.me?.vehicleId as number;
    expect(findPlayer(room.match, again)).toMatchObject({ kills: 0, deaths: 0, score: 0 });
    await eventually(
      () => player.scoreboard().find((entry) => entry.vehicleId === again)?.score === 0,
      'the fresh line synced',
      5_000,
    );
  }, 40_000);
});
