import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameSession } from '../../game/client/game-session.js';
import type { RosterEntry } from '../../game/protocol/index.js';
import { eventually } from '../support/server.js';
import { botOn, startVehikillServer, type VehikillServer } from '../support/vehikill.js';

/**
 * A player leaving and rejoining in a loop had the room broadcast its roster to every member at each join
 * and leave: 60 a second from one session within the connection's rate. It goes at most 4 times a second.
 */
describe('Vehikill roster broadcasts', () => {
  let server: VehikillServer;
  const sessions: GameSession[] = [];
  beforeAll(async () => {
    server = await startVehikillServer({ quickPlayBots: 0 });
  });
  afterAll(async () => {
    for (const session of sessions) session.close();
    await server.close();
  });

  it('go at most every 250 ms however fast players join and leave, the last change always sent', async () => {
    const host = botOn(server, 'Host', 1);
    const looper = botOn(server, 'Looper', 2);
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
