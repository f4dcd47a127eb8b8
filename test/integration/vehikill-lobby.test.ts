import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameSession } from '../../game/client/game-session.js';
import { ROOM_TYPE, type RosterEntry } from '../../game/protocol/index.js';
import { eventually } from '../support/server.js';
import { botOn, startVehikillServer, type VehikillServer } from '../support/vehikill.js';

describe('Vehikill lobby', () => {
  let server: VehikillServer;
  const sessions: GameSession[] = [];
  beforeAll(async () => {
    server = await startVehikillServer({ quickPlayBots: 0 });
  });
  afterAll(async () => {
    for (const session of sessions) session.close();
    await server.close();
  });

  it('a listed public match is joined by its id, no code needed', async () => {
    const first = botOn(server, 'Ada', 1);
    const second = botOn(server, 'Bob', 2);
    sessions.push(first, second);
    await first.quickPlay();
    await second.client.connect();
    const listed = await second.client.listRooms({ type: ROOM_TYPE });
    expect(listed.map((room) => room.roomId)).toContain(first.room?.info.roomId);
    await second.join(first.room?.info.roomId as string);
    expect(second.room?.info.roomId).toBe(first.room?.info.roomId);
    expect(
      server.rooms
        .at(-1)
        ?.clients.map((client) => client.name)
        .sort(),
    ).toEqual(['Ada', 'Bob']);
  });

  it('bots fill a room up to its player count, one leaving for each human who joins', async () => {
    const host = botOn(server, 'Host', 3);
    const guest = botOn(server, 'Guest', 4);
    sessions.push(host, guest);
    await host.createPrivate({ bots: 4 });
    const room = server.rooms.at(-1) as (typeof server.rooms)[number];
    const count = () => {
      const players = room.roster;
      return { humans: players.filter((p) => !p.bot).length, bots: players.filter((p) => p.bot).length };
    };
    expect(count()).toEqual({ humans: 1, bots: 3 });
    await guest.joinByCode(host.room?.info.code as string);
    expect(count()).toEqual({ humans: 2, bots: 2 });
    await guest.leave();
    await sleep(50);
    expect(count()).toEqual({ humans: 1, bots: 3 });
  });

  // A player leaving and rejoining in a loop had the room broadcast its roster to every member at each
  // join and leave: 60 a second from one session within the connection's rate.
  it('sends the roster at most every 250 ms however fast players join and leave, the last change always', async () => {
    const host = botOn(server, 'Host', 5);
    const looper = botOn(server, 'Looper', 6);
    sessions.push(host, looper);
    await host.createPrivate({ bots: 0 });
    const code = host.room?.info.code as string;
    const rosters: (readonly RosterEntry[])[] = [];
    host.on('roster', (roster) => rosters.push(roster));
    const started = performance.now();
    for (let i = 0; i < 10; i++) {
      await looper.joinByCode(code);
      await looper.leave();
    }
    await looper.joinByCode(code);
    const elapsed = performance.now() - started;
    await sleep(400);
    // 21 changes; one roster at once, then one per 250 ms at most, and the last.
    expect(rosters.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    await eventually(() => rosters.at(-1)?.length === 2, 'the last roster names both');
    expect(
      rosters
        .at(-1)
        ?.map((entry) => entry.name)
        .sort(),
    ).toEqual(['Host', 'Looper']);
  });
});
