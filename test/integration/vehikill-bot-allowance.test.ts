import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameSession } from '../../game/client/game-session.js';
import { botOn, startVehikillServer, type VehikillServer } from '../support/vehikill.js';

/**
 * Server bots are bounded per address, over all the rooms created from it: one address creating room
 * after room full of bots took the node's every core (90 rooms of 15 from one machine).
 */
describe('Vehikill server bots per address', () => {
  let server: VehikillServer;
  const sessions: GameSession[] = [];
  let seed = 0;
  const player = (name: string) => {
    const session = botOn(server, name, ++seed);
    sessions.push(session);
    return session;
  };
  const bots = () => server.rooms.map((room) => room.roster.filter((p) => p.bot).length);
  beforeAll(async () => {
    server = await startVehikillServer({ quickPlayBots: 4, maxBotsPerAddress: 20 });
  });
  afterAll(async () => {
    for (const session of sessions) session.close();
    await server.close();
  });

  it('refuses a creation asking for more bots than its address has left, saying how many it may have', async () => {
    await player('First').createPrivate({ bots: 15 });
    const second = player('Second');
    const refused = await second.createPrivate({ bots: 15 }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'JOIN_REJECTED' });
    expect(String((refused as Error).message)).toMatch(/15 of the 20 .*at most 5 bots/);
    // Without bots, or within what is left, the player still creates.
    await second.createPrivate({ bots: 0 });
    await player('Third').createPrivate({ bots: 5 });
    expect(bots().sort((a, b) => a - b)).toEqual([0, 4, 14]);
    const none = await player('Fourth')
      .createPrivate({ bots: 1 })
      .catch((error: unknown) => error);
    expect(String((none as Error).message)).toMatch(/create this room with no bots/);
    // A Quick Play room gets what is left: none.
    await player('Quick').quickPlay();
    expect(server.rooms.at(-1)?.roster.filter((p) => p.bot)).toEqual([]);
  });

  it('gives a room’s bots back to its address when the room is disposed', async () => {
    const full = server.rooms.find((room) => room.roster.filter((p) => p.bot).length === 14);
    full?.dispose();
    await player('Fifth').createPrivate({ bots: 15 });
    expect(server.rooms.at(-1)?.roster.filter((p) => p.bot).length).toBe(14);
  });
});
