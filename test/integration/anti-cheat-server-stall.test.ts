import { afterAll, describe, expect, it } from 'vitest';
import { drive } from '../../game/bots/bot-player.js';
import { GameSession } from '../../game/client/game-session.js';
import { encodeInputMessage } from '../../game/net/protocol/messages.js';
import { NEUTRAL_INPUT } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { stallingClock } from '../support/stalling-clock.js';
import { startVehikillServer, tcpOnly, type VehikillServer } from '../support/vehikill.js';

/*
 * While the server stalls, the inputs its players send wait in its sockets: it reads them late, and how
 * early each came (which a shot's reach may add) hides in its stall. Shot claims it refuses just after
 * a stall of its own are not held against the players, as inputs refused as too many or too far ahead
 * are not.
 */
describe('shot claims refused just after a stall of the server', () => {
  let server: VehikillServer | undefined;
  const sessions: GameSession[] = [];
  const stops: (() => void)[] = [];
  afterAll(async () => {
    for (const stop of stops) stop();
    for (const session of sessions) session.close();
    await server?.close();
  });

  it('are refused, and not counted as violations', async () => {
    const clock = stallingClock();
    server = await startVehikillServer({ matchSeconds: 600, warmupSeconds: 0 }, { clock });
    const shooter = new GameSession({
      client: server.client({ name: 'shooter', ...tcpOnly }),
      mesh: { rtc: false },
    });
    sessions.push(shooter);
    await shooter.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    stops.push(drive([shooter]));
    await eventually(
      () => room.authority.world.tick > 120 && shooter.arena?.status !== undefined,
      'synced',
      10_000,
    );

    const client = room.clients[0];
    if (!client) throw new Error('not seated');
    const refused = () => room.authority.countersOf(client)?.shotsRefused['too-old'] ?? 0;
    const before = room.authority.world.tick;
    // 2.5 s: the world moves 150 ticks on at once, past tick 240 (a view named 240 ticks back must be a
    // tick of the match, or it is malformed, not old).
    clock.stall(2_500);
    await eventually(() => room.authority.world.tick > before + 140, 'the stall caught up', 10_000);
    // Right after: shots claiming a view 4 s back (the history holds 1 s; no lateness of the shooter's
    // explains it), every 8 ticks, ahead of the shooter's own inputs.
    for (let shot = 0; shot < 3; shot++) {
      const tick = room.authority.world.tick + 10 + shot * 8;
      const view = { ticksBack: 240, fraction: 0, interpDelayMs: 50 };
      const inputs = [{ input: { ...NEUTRAL_INPUT, fire: true }, view }];
      shooter.arena?.synced.sendInput(encodeInputMessage({ firstTick: tick, inputs }));
    }
    await eventually(() => refused() >= 3, 'the shots refused', 10_000);
    // Past the next check (every 6 ticks).
    const judged = room.authority.world.tick;
    await eventually(() => room.authority.world.tick > judged + 12, 'a check after them', 10_000);
    expect(room.antiCheatReport()[0]?.violations['shot-claim']).toBe(0);
  });
});
