import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameSession } from '../../game/client/game-session.js';
import { ROOM_TYPE } from '../../game/protocol/index.js';
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
});
