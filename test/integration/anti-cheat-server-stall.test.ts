import { afterEach, describe, expect, it } from 'vitest';
import { drive } from '../../game/bots/bot-player.js';
import { GameSession } from '../../game/client/game-session.js';
import { encodeInputMessage } from '../../game/net/protocol/messages.js';
import { TICK_MS } from '../../game/net/protocol/timeline.js';
import { STALL_EXCUSE_MS } from '../../game/server/stall-excuse.js';
import { NEUTRAL_INPUT } from '../../game/sim/index.js';
import { expectHonest } from '../support/cheater.js';
import { eventually, sleep } from '../support/server.js';
import { stallingClock } from '../support/stalling-clock.js';
import {
  botOn,
  startVehikillServer,
  tcpOnly,
  type VehikillRoom,
  type VehikillServer,
} from '../support/vehikill.js';

/*
 * A stall of the server's own (a GC pause, a busy host) excuses what it can explain of its players'
 * refusals, sized by the stall (game/server/stall-excuse.ts): honest players go through stalls of any
 * length without a violation, and a shot view further back than judged is put down to a stall only as far
 * as the stall was long.
 */
describe('the anti-cheat through stalls of its server', () => {
  let servers: VehikillServer[] = [];
  let sessions: GameSession[] = [];
  const stops: (() => void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    for (const session of sessions) session.close();
    sessions = [];
    for (const server of servers) await server.close();
    servers = [];
  });

  /** A room on a server of its own whose clock stalls on demand, with `players` (bots, or given). */
  async function stallingRoom(players: (server: VehikillServer) => GameSession[]) {
    const clock = stallingClock();
    const server = await startVehikillServer({ matchSeconds: 600, warmupSeconds: 0 }, { clock });
    servers.push(server);
    const [host, ...others] = players(server);
    if (!host) throw new Error('no players');
    sessions.push(host, ...others);
    await host.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1) as VehikillRoom;
    await Promise.all(others.map((session) => session.joinByCode(host.room?.code as string)));
    stops.push(drive([host, ...others]));
    await eventually(
      () => room.authority.world.tick > 120 && [host, ...others].every((s) => s.arena?.status !== undefined),
      'everyone synced',
      10_000,
    );
    /** Stalls the server's loop for `ms` (see stallingClock) and waits for it to catch up. */
    const stall = async (how: 'stall' | 'hold', ms: number) => {
      const before = room.authority.world.tick;
      clock[how](ms);
      await eventually(
        () => room.authority.world.tick >= before + ms / TICK_MS,
        'the stall caught up',
        10_000,
      );
    };
    return { room, host, stall };
  }

  const bots = (server: VehikillServer) => [1, 2, 3].map((seed) => botOn(server, `bot-${seed}`, seed));

  /**
   * Nobody was kicked, and none of the refusals a stall may bring on was held against anyone. (On a
   * loaded machine an honest bot was seen to commit one 'fire-rule' violation here, with the old blanket
   * excuse too: a kind no stall was ever excused for, left to a fix of its own.)
   */
  function expectNoneKickedOrCounted(room: VehikillRoom): void {
    expect(room.clients).toHaveLength(3);
    expectHonest(room, undefined, ['input-rate', 'input-future', 'shot-claim']);
  }

  it('honest players go through stalls of 150 ms, 0.5 s, 1 s and 2.5 s with nothing counted', async () => {
    const { room, stall } = await stallingRoom(bots);
    for (const ms of [150, 500, 1_000, 2_500]) {
      await stall('hold', ms);
      // Until the stall explains nothing any more, and the next check: what is refused by then counts.
      await sleep(STALL_EXCUSE_MS + 200);
    }
    expectNoneKickedOrCounted(room);
  });

  it('honest players go through stalls of 150 ms every 300 ms, of its clock and of the whole process, with nothing counted', async () => {
    const { room, stall } = await stallingRoom(bots);
    for (let turn = 0; turn < 8; turn++) {
      await stall(turn % 2 === 0 ? 'hold' : 'stall', 150);
      await sleep(300);
    }
    // As a loaded machine stalls: everything in the process (the players here too) waits at once.
    const blocked = new Int32Array(new SharedArrayBuffer(4));
    for (let turn = 0; turn < 6; turn++) {
      Atomics.wait(blocked, 0, 0, 150);
      await sleep(300);
    }
    await sleep(STALL_EXCUSE_MS + 200);
    expectNoneKickedOrCounted(room);
  });

  it('a shot view further back than judged is put down to a stall only as far as the stall was long', async () => {
    const {
      room,
      host: shooter,
      stall,
    } = await stallingRoom((server) => [
      new GameSession({ client: server.client({ name: 'shooter', ...tcpOnly }), mesh: { rtc: false } }),
    ]);
    const client = room.clients[0];
    if (!client) throw new Error('not seated');
    const refused = () => {
      const { 'too-old': old = 0, 'rewind-too-far': far = 0 } =
        room.authority.countersOf(client)?.shotsRefused ?? {};
      return old + far;
    };
    // 2.5 s: the world moves 150 ticks on at once, past tick 240 (a view named 240 ticks back must be a
    // tick of the match, or it is malformed, not old).
    await stall('hold', 2_500);
    // Right after, one shot each time the gun is ready (8 ticks), ahead of the shooter's own inputs, by
    // turns: a view 2 s back (the history holds 1 s; the round trip, delay, slack and how early it came
    // explain about 0.6 s, the stall the 1.4 s beyond) and one 4 s back (3.4 s beyond: more than the
    // stall explains).
    for (let shot = 0; shot < 6; shot++) {
      const tick = room.authority.world.tick + 10;
      const view = { ticksBack: shot % 2 === 0 ? 120 : 240, fraction: 0, interpDelayMs: 50 };
      const inputs = [{ input: { ...NEUTRAL_INPUT, fire: true }, view }];
      shooter.arena?.synced.sendInput(encodeInputMessage({ firstTick: tick, inputs }));
      await eventually(() => refused() > shot, 'the shot refused', 10_000);
      await eventually(() => room.authority.world.tick >= tick + 8, 'the gun ready again', 10_000);
    }
    // Past the next check (every 6 ticks).
    const judged = room.authority.world.tick;
    await eventually(() => room.authority.world.tick > judged + 12, 'a check after them', 10_000);
    expect(room.antiCheatReport()[0]?.violations['shot-claim']).toBe(3);
  });
});
