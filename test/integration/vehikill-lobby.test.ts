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
});
