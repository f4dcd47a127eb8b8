import { afterEach, describe, expect, it } from 'vitest';
import { drive } from '../../game/bots/bot-player.js';
import { GameSession } from '../../game/client/game-session.js';
import { MAX_TICKS_BACK } from '../../game/net/protocol/net-input.js';
import { TICK_MS } from '../../game/net/protocol/timeline.js';
import { MAX_GUN_AMMO, NEUTRAL_INPUT } from '../../game/sim/index.js';
import { expectHonest, forgeUntilKicked } from '../support/cheater.js';
import { eventually } from '../support/server.js';
import { stallingClock } from '../support/stalling-clock.js';
import {
  fromAddress,
  startVehikillServer,
  tcpOnly,
  type VehikillRoom,
  type VehikillServer,
} from '../support/vehikill.js';

/*
 * A busy server stalls often (a GC pause, CPU taken by others: 100-200 ms every second or two). Each stall
 * excuses only what it can explain of its players' refusals, so a cheat is counted and kicked between and
 * through them as on a server that never stalls. (Each stall once excused every such refusal for 2 s: on
 * a server stalling every 1.5 s, none was ever counted.)
 */
describe('cheaters on a server that stalls 150 ms every 1.5 s', () => {
  let server: VehikillServer | undefined;
  let sessions: GameSession[] = [];
  const stops: (() => void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    for (const session of sessions) session.close();
    sessions = [];
    await server?.close();
    server = undefined;
  });

  /** A cheater and an honest player in a room of a server stalling 150 ms every 1.5 s, once it has stalled. */
  async function stallingRoom(): Promise<{ room: VehikillRoom; cheater: GameSession }> {
    const clock = stallingClock();
    server = await startVehikillServer(
      { matchSeconds: 600, warmupSeconds: 0, match: { gunAmmoMax: MAX_GUN_AMMO } },
      { clock },
    );
    const on = server;
    const player = (name: string, address: string) =>
      new GameSession({
        client: on.client({ name, ...tcpOnly, ...fromAddress(address) }),
        mesh: { rtc: false },
      });
    const cheater = player('cheater', '127.0.0.1');
    const honest = player('honest', '127.0.0.2');
    sessions.push(cheater, honest);
    await cheater.createPrivate({ bots: 0 });
    const room = on.rooms.at(-1) as VehikillRoom;
    await honest.joinByCode(cheater.room?.code as string);
    stops.push(drive([cheater, honest]));
    // A view MAX_TICKS_BACK back must name a tick the room has passed (an earlier one is malformed, not old).
    await eventually(
      () =>
        room.authority.world.tick > MAX_TICKS_BACK + 20 &&
        [cheater, honest].every((session) => session.arena?.status !== undefined),
      'everyone synced',
      15_000,
    );
    const stalling = setInterval(() => clock.hold(150), 1_500);
    stops.push(() => clearInterval(stalling));
    const before = room.authority.world.tick;
    clock.hold(150);
    await eventually(() => room.authority.world.tick > before + 9, 'the first stall caught up', 10_000);
    return { room, cheater };
  }

  it('a speed hack (two inputs a tick) is counted and kicked', async () => {
    const { room, cheater } = await stallingRoom();
    // Its controls run at twice the server's rate: two new ticks' inputs every tick, soon far ahead. Ticks
    // counted by the wall clock, not by the sending timer's turns, which a loaded machine runs late (at one
    // turn in three ticks, two ticks a turn fell behind the server instead of running ahead).
    let first: number | undefined;
    const started = performance.now();
    const message = await forgeUntilKicked(cheater, (serverTick) => {
      first ??= serverTick + 3;
      const ticks = Math.floor((performance.now() - started) / TICK_MS);
      return { firstTick: first + ticks * 2, inputs: [{ input: NEUTRAL_INPUT }, { input: NEUTRAL_INPUT }] };
    });
    expect(message).toMatch(/anti-cheat: \d+ input-(rate|future) violations/);
    expect(room.clients.map((client) => client.name)).toEqual(['honest']);
    expectHonest(room, cheater.client.playerId);
  });

  it('shots with forged views are counted and kicked', async () => {
    const { room, cheater } = await stallingRoom();
    // A forged shot whenever the gun is ready (every 8 ticks), 10 ticks ahead of the server, claiming a view
    // as far back as an input can say (4.25 s: more than 3 s beyond anything a 150 ms stall explains).
    let fired = Number.NEGATIVE_INFINITY;
    const message = await forgeUntilKicked(cheater, (serverTick) => {
      const tick = serverTick + 10;
      if (tick < fired + 8) return { firstTick: tick, inputs: [{ input: NEUTRAL_INPUT }] };
      fired = tick;
      const view = { ticksBack: MAX_TICKS_BACK, fraction: 0, interpDelayMs: 50 };
      return { firstTick: tick, inputs: [{ input: { ...NEUTRAL_INPUT, fire: true }, view }] };
    });
    expect(message).toMatch(/anti-cheat: \d+ shot-claim violations/);
    expect(room.clients.map((client) => client.name)).toEqual(['honest']);
    expectHonest(room, cheater.client.playerId);
  });
});
