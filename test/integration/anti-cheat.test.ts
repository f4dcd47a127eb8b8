import { Channel } from 'vehikill-net/client';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { drive } from '../../game/bots/bot-player.js';
import { GameSession, type SessionView } from '../../game/client/game-session.js';
import { encodeHashReport } from '../../game/net/protocol/messages.js';
import { MAX_DELAY_MS, MAX_TICKS_BACK } from '../../game/net/protocol/net-input.js';
import { DEFAULT_MAX_INTERP_DELAY_MS } from '../../game/net/server/authority.js';
import { encodePhysSample } from '../../game/protocol/index.js';
import { findVehicle, MAX_GUN_AMMO, NEUTRAL_INPUT, type VehicleInput } from '../../game/sim/index.js';
import { TriggerGate } from '../../game/web/input/trigger-gate.js';
import { expectHonest, forgeUntilKicked } from '../support/cheater.js';
import { eventually, sleep } from '../support/server.js';
import {
  fromAddress,
  startVehikillServer,
  tcpOnly,
  type VehikillRoom,
  type VehikillServer,
} from '../support/vehikill.js';

/*
 * Modified clients against a real server: each cheat is refused, counted, and kicked past its limit,
 * while the honest players in the same room are left alone. The cheaters run the real GameSession (so
 * they sync their clock and play like anyone) and add forged frames of their own on the same links.
 */

const STILL: VehicleInput = NEUTRAL_INPUT;
const FIRE: VehicleInput = { ...NEUTRAL_INPUT, fire: true };

describe('anti-cheat in a Vehikill room', () => {
  let server: VehikillServer;
  let sessions: GameSession[] = [];
  const stops: (() => void)[] = [];
  /** Servers of a test's own, closed after its players. */
  const ownServers: VehikillServer[] = [];

  beforeAll(async () => {
    server = await startVehikillServer({ matchSeconds: 600, warmupSeconds: 0 });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    for (const session of sessions) session.close();
    sessions = [];
    for (const own of ownServers.splice(0)) await own.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  function player(
    name: string,
    sampleInput: (view: SessionView) => VehicleInput = () => STILL,
    on: VehikillServer = server,
    address = '127.0.0.1',
  ): GameSession {
    const session = new GameSession({
      client: on.client({ name, ...tcpOnly, ...fromAddress(address) }),
      mesh: { rtc: false },
      sampleInput,
    });
    sessions.push(session);
    return session;
  }

  /**
   * A private room (on `on`) with a cheater and `honest` honest players, everyone synced and driving. The
   * cheater connects from 127.0.0.1, each honest player from an address of their own (127.0.0.2, .3, ...):
   * peer reports count witnesses by address.
   */
  async function roomWith(
    honest: number,
    sampleInput?: (view: SessionView) => VehicleInput,
    on: VehikillServer = server,
  ): Promise<{ room: VehikillRoom; cheater: GameSession; others: GameSession[] }> {
    const cheater = player('cheater', sampleInput, on);
    await cheater.createPrivate({ bots: 0 });
    const room = on.rooms.at(-1) as VehikillRoom;
    const others = Array.from({ length: honest }, (_, index) =>
      player(`honest-${index}`, undefined, on, `127.0.0.${index + 2}`),
    );
    await Promise.all(others.map((session) => session.joinByCode(cheater.room?.code as string)));
    stops.push(drive([cheater, ...others]));
    await eventually(
      () =>
        [cheater, ...others].every(
          (session) =>
            session.arena?.status !== undefined && session.frame(performance.now())?.renderTime !== undefined,
        ),
      'everyone synced',
      10_000,
    );
    return { room, cheater, others };
  }

  /**
   * Each of `liars` reports `accused` at (x, y), `ticksBack` before the server's tick, every `everyMs`,
   * until the server has confirmed `judged` more reports or kicked the accused; true if it kicked them.
   * Waits for the accused's spawn grace (60 ticks) to pass first, so that the server judges every report.
   */
  async function accuseUntilJudged(
    room: VehikillRoom,
    accused: GameSession,
    liars: GameSession[],
    lie: { x: number; y: number; ticksBack: number; everyMs: number; judged: number },
  ): Promise<boolean> {
    const accusedId = accused.client.playerId as string;
    let kicked = false;
    accused.on('left', ({ reason }) => {
      kicked ||= reason === 'KICKED';
    });
    const serverTick = (session: GameSession) => session.arena?.status?.serverTick ?? 0;
    await eventually(() => liars.every((liar) => serverTick(liar) > 150), 'past the spawn grace', 10_000);
    const confirmedBefore = room.peerReportStats.confirmed;
    const timer = setInterval(() => {
      for (const liar of liars) {
        const tick = serverTick(liar) - lie.ticksBack;
        liar.room?.send('report', { accused: accusedId, tick, x: lie.x, y: lie.y });
      }
    }, lie.everyMs);
    try {
      await eventually(
        () => kicked || room.peerReportStats.confirmed >= confirmedBefore + lie.judged,
        'the lies judged',
        15_000,
      );
    } finally {
      clearInterval(timer);
    }
    return kicked;
  }

  it('a burst of inputs (more than one a tick, and far ahead) is refused, counted, then kicked', async () => {
    const { room, cheater, others } = await roomWith(1);
    const cheaterId = cheater.client.playerId;
    // 64 new inputs every tick from the server's tick on: a speed hack's worth of controls at once.
    const message = await forgeUntilKicked(cheater, (serverTick, turn) => ({
      firstTick: serverTick + 3 + turn * 64,
      inputs: Array.from({ length: 64 }, () => ({ input: STILL })),
    }));
    expect(message).toMatch(/anti-cheat: \d+ input-(rate|future) violations/);
    const kick = room.kicks.find((entry) => entry.playerId === cheaterId);
    expect((kick?.violations['input-rate'] ?? 0) + (kick?.violations['input-future'] ?? 0)).toBeGreaterThan(
      30,
    );
    expect(room.clients.map((client) => client.playerId)).not.toContain(cheaterId);
    expect(room.clients).toHaveLength(others.length);
    expectHonest(room, cheaterId);
    // Operators see it in the server's metrics.
    const metrics = server.server.metrics as CountingMetrics;
    expect(metrics.total('anticheat_kicks_total')).toBeGreaterThanOrEqual(1);
    expect(metrics.total('anticheat_violations_total')).toBeGreaterThan(30);
  });

  it('inputs for ticks far in the future are refused, counted, then kicked', async () => {
    const { room, cheater } = await roomWith(1);
    const cheaterId = cheater.client.playerId;
    const message = await forgeUntilKicked(cheater, (serverTick) => ({
      firstTick: serverTick + 500,
      inputs: Array.from({ length: 4 }, () => ({ input: STILL })),
    }));
    expect(message).toMatch(/input-future/);
    const kick = room.kicks.find((entry) => entry.playerId === cheaterId);
    expect(kick?.kind).toBe('input-future');
    expect(kick?.violations['input-future']).toBeGreaterThan(30);
    // Nothing else was held against it: the forged inputs never reached the simulation.
    expect(kick?.violations['input-rate']).toBe(0);
    expectHonest(room, cheaterId);
  });

  it('shot claims outside the history are refused, counted, then kicked; an inflated delay is only clamped', async () => {
    // A server of its own with a full magazine: a loaded machine counts fewer of the claims, and with the
    // default 60 rounds the cheater ran dry first and was kicked for firing an empty gun instead.
    const own = await startVehikillServer({
      matchSeconds: 600,
      warmupSeconds: 0,
      match: { gunAmmoMax: MAX_GUN_AMMO },
    });
    ownServers.push(own);
    const { room, cheater } = await roomWith(1, undefined, own);
    const cheaterId = cheater.client.playerId;
    // The refusals by reason, as the room read them for its last check before the kick.
    let refused: Record<string, number | undefined> = {};
    let clamped = 0;
    const authority = room.authority;
    const countersOf = authority.countersOf.bind(authority);
    stops.push(() => Reflect.deleteProperty(authority, 'countersOf'));
    authority.countersOf = (client) => {
      const counters = countersOf(client);
      if (client.playerId === cheaterId && counters) {
        refused = counters.shotsRefused;
        clamped = counters.shotsClamped;
      }
      return counters;
    };
    // A view MAX_TICKS_BACK back must name a tick the room has passed (an earlier one is malformed, not old).
    await eventually(
      () => authority.world.tick > MAX_TICKS_BACK + 20,
      'the room past its first ticks',
      10_000,
    );
    // A forged shot whenever the gun is ready (every 8 ticks), 10 ticks ahead of the server; by turns a
    // view as far back as an input can say (4.25 s; the history holds 1 s, and no stall of a loaded machine
    // explains such a reach, where one of 100 ticks was taken for a stalled client's miss) and one claiming
    // as much interpolation as an input can say (1,023 ms; the cap is 150, and never over 500 however far
    // apart a loaded server sent its snapshots: a claim of 500 was not clamped there). That one is judged
    // as if drawn at the cap, so it gains nothing, and is not held against it.
    let fired = -1;
    let shots = 0;
    const message = await forgeUntilKicked(cheater, (serverTick) => {
      const tick = serverTick + 10;
      if (tick < fired + 8) return { firstTick: tick, inputs: [{ input: STILL }] };
      fired = tick;
      const view =
        shots++ % 2 === 0
          ? { ticksBack: MAX_TICKS_BACK, fraction: 0, interpDelayMs: 50 }
          : { ticksBack: 5, fraction: 0, interpDelayMs: MAX_DELAY_MS };
      return { firstTick: tick, inputs: [{ input: FIRE, view }] };
    });
    expect(message).toMatch(/shot-claim/);
    expect(room.kicks.at(-1)?.kind).toBe('shot-claim');
    expect(refused['too-old']).toBeGreaterThan(0);
    expect(refused['delay-too-large']).toBeUndefined();
    expect(clamped).toBeGreaterThan(0);
    expect(room.kicks.at(-1)?.violations['shot-claim']).toBeGreaterThan(10);
    expectHonest(room, cheaterId);
  });

  it('a player sent fewer snapshots on a lossy link claims a longer delay: its shots are checked, not held against it', async () => {
    // The trigger held, through the web client's gate (one shot per gun interval, as the rules allow).
    let firing = false;
    const gate = new TriggerGate();
    const { room, cheater: shooter } = await roomWith(1, (view) => gate.apply(firing ? FIRE : STILL, view));
    const shooterId = shooter.client.playerId;
    const client = room.clients.find((member) => member.playerId === shooterId);
    if (!client) throw new Error('the shooter is not in the room');
    // What adaptive rates do for a poor link: 10 snapshots a second, and one in ten lost on the way. The
    // client's delay grows to cover the longer interval and the gaps, past three 20 Hz intervals.
    room.sync.setRate(client, 10);
    shooter.client.setConditions({ seed: 5, down: { phys: { lossRate: 0.1 } } });
    const claimedDelay = () => shooter.arena?.remote.delay.targetDelayMs ?? 0;
    await eventually(() => claimedDelay() > DEFAULT_MAX_INTERP_DELAY_MS + 20, 'a longer delay', 15_000);
    firing = true;
    const counters = () => room.authority.countersOf(client);
    await eventually(() => (counters()?.shotsAccepted ?? 0) >= 15, 'shots checked', 15_000);
    firing = false;
    expect(claimedDelay()).toBeGreaterThan(DEFAULT_MAX_INTERP_DELAY_MS);
    expect(counters()?.shotsRefused).toEqual({});
    expect(room.clients.map((member) => member.playerId)).toContain(shooterId);
    expectHonest(room, undefined);
  });

  it('an honest page holding the trigger until its gun is empty, 150 ms from the server, is warned of nothing', async () => {
    // A magazine of 20 rounds (60 by default) on a server of its own: the same steady fire and the same
    // empty gun, two seconds of it instead of six.
    const own = await startVehikillServer({ matchSeconds: 600, warmupSeconds: 0, match: { gunAmmoMax: 20 } });
    ownServers.push(own);
    const gate = new TriggerGate();
    const { room, cheater: shooter } = await roomWith(1, (view) => gate.apply(FIRE, view), own);
    const warnings: string[] = [];
    shooter.on('warning', (warning) => warnings.push(JSON.stringify(warning)));
    shooter.client.setConditions({ phys: { delayMs: 75 } });
    const vehicleId = shooter.me?.vehicleId as number;
    const state = () => room.match.players.find((player) => player.id === vehicleId);
    // 20 rounds at 10 a second, then a second more of the trigger held on an empty gun.
    await eventually(() => state()?.gunAmmo === 0, 'the gun emptied', 15_000);
    await sleep(1_000);
    expect(state()?.rejectedFires).toBe(0);
    expect(warnings).toEqual([]);
    expectHonest(room, undefined);
  });

  it('fire commands beyond the fire rate are refused by the rules, counted, then kicked', async () => {
    const { room, cheater } = await roomWith(1);
    const vehicleId = cheater.me?.vehicleId as number;
    // The rules' own count, polled: it leaves with the player, so the kick's tally (made from it where the
    // room reads it) is what says more than 20 were refused.
    let rejected = 0;
    const timer = setInterval(() => {
      rejected = Math.max(rejected, room.match.players.find((p) => p.id === vehicleId)?.rejectedFires ?? 0);
    }, 20);
    // The trigger held every tick: the gun fires every 6th, the rules refuse the rest.
    const message = await forgeUntilKicked(cheater, (serverTick) => ({
      firstTick: serverTick + 10,
      inputs: Array.from({ length: 4 }, () => ({ input: FIRE })),
    })).finally(() => clearInterval(timer));
    expect(message).toMatch(/fire-rule/);
    expect(rejected).toBeGreaterThan(0);
    expect(room.kicks.at(-1)?.kind).toBe('fire-rule');
    expect(room.kicks.at(-1)?.violations['fire-rule']).toBeGreaterThan(20);
    expectHonest(room, cheater.client.playerId);
  });

  it('a flood of forged state hash reports is dropped unchecked, logged once, counted, then kicked', async () => {
    const { room, cheater } = await roomWith(1);
    const cheaterId = cheater.client.playerId as string;
    const warned: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
      warned.push(String(line));
    });
    let kicked: string | undefined;
    cheater.on('left', ({ reason, message }) => {
      if (reason === 'KICKED') kicked = message;
    });
    // Forty reports every 10 ms of ticks the room holds, every one of them a mismatch.
    let sent = 0;
    const timer = setInterval(() => {
      const tick = room.authority.world.tick - 1;
      for (let index = 0; index < 40; index++) cheater.arena?.synced.sendApp(encodeHashReport(tick, sent++));
    }, 10);
    try {
      await eventually(() => kicked !== undefined, 'the forger to be kicked', 15_000);
    } finally {
      clearInterval(timer);
      warn.mockRestore();
    }
    expect(kicked).toMatch(/hash-rate/);
    expect(room.kicks.at(-1)?.kind).toBe('hash-rate');
    // Checked at most twice a second: a handful of mismatches, at most one record in the log.
    expect(room.kicks.at(-1)?.count).toBeGreaterThan(10);
    expect(room.desyncs).toBeLessThanOrEqual(4);
    // (The check it had just before may have been its own client's honest report: then none at all.)
    expect(warned.filter((line) => line.includes(cheaterId)).length).toBeLessThanOrEqual(1);
    expectHonest(room, cheaterId);
  });

  it('a forged hash report after each of many rejoins is logged in full once, then only counted', async () => {
    // A server of its own: the desync log's budget per address is the server's, and other tests' players
    // on 127.0.0.1 may have spent it.
    const own = await startVehikillServer({ matchSeconds: 600, warmupSeconds: 0 });
    ownServers.push(own);
    const { room, cheater, others } = await roomWith(1, undefined, own);
    const cheaterId = cheater.client.playerId as string;
    const code = cheater.room?.code as string;
    const warned: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
      warned.push(String(line));
    });
    // Join, send one hash report that cannot match, leave: six times over (a leave once made the next
    // mismatch a player's "first", logged in full: tens of kB each).
    try {
      for (let round = 0; round < 6; round++) {
        if (round > 0) await cheater.joinByCode(code);
        await eventually(() => cheater.arena?.status !== undefined, 'synced', 10_000);
        const before = room.desyncs;
        await eventually(
          () => {
            const tick = room.authority.world.tick - 10;
            if (tick > 0) cheater.arena?.synced.sendApp(encodeHashReport(tick, 0xdeadbeef));
            return room.desyncs > before;
          },
          'the forged report checked',
          10_000,
        );
        await cheater.leave();
      }
    } finally {
      warn.mockRestore();
    }
    const mine = warned.filter((line) => line.includes(cheaterId));
    expect(mine.filter((line) => line.includes('"serverHash"'))).toHaveLength(1);
    expect(mine.length).toBeLessThanOrEqual(2);
    expect(room.clients.map((client) => client.playerId)).toEqual([others[0]?.client.playerId]);
  });

  it('made-up peer reports from one player never get an honest player kicked', async () => {
    const { room, cheater: liar, others } = await roomWith(1);
    const honestId = others[0]?.client.playerId as string;
    // Ten reports a second, each placing the honest car in a corner at a tick the server has simulated
    // (the liar knows the server's tick from its status messages). The server finds the car far from
    // there, as a forged sample would be; but nobody else saw such a sample.
    const kicked = await accuseUntilJudged(room, others[0] as GameSession, [liar], {
      x: 1,
      y: 1,
      ticksBack: 10,
      everyMs: 100,
      judged: 20,
    });
    expect(kicked).toBe(false);
    expect(room.kicks).toEqual([]);
    expect(room.peerReportStats.uncorroborated).toBeGreaterThanOrEqual(20);
    expect(room.clients.map((client) => client.playerId)).toContain(honestId);
    expectHonest(room, liar.client.playerId);
  });

  it('two sessions of one person (one address) accusing an honest player together never get them kicked', async () => {
    // The liar's two sessions (free guest tokens) on 127.0.0.1; the honest player on an address of its own.
    const { room, cheater: liar, others } = await roomWith(1);
    const honestId = others[0]?.client.playerId as string;
    const second = player('liar-2');
    await second.joinByCode(liar.room?.code as string);
    stops.push(drive([second]));
    await eventually(() => second.arena?.status !== undefined, 'the second session synced', 10_000);
    // Both sessions name the same far-off spot at nearly the same tick, four times a second each: the
    // server finds the car far from there every time, as it would a forged sample seen by two players.
    const kicked = await accuseUntilJudged(room, others[0] as GameSession, [liar, second], {
      x: 5000,
      y: 5000,
      ticksBack: 2,
      everyMs: 250,
      judged: 30,
    });
    expect(kicked).toBe(false);
    expect(room.kicks).toEqual([]);
    expect(room.clients.map((client) => client.playerId)).toContain(honestId);
    expectHonest(room, liar.client.playerId);
  });

  it('forged phys samples to peers: honest players draw the server state, report it, and the forger is kicked', async () => {
    const { room, cheater, others } = await roomWith(2);
    const vehicleId = cheater.me?.vehicleId as number;
    const reports: number[] = others.map(() => 0);
    others.forEach((session, index) => {
      session.on('peer-report', ({ accused }) => {
        if (accused === cheater.client.playerId) reports[index] = (reports[index] ?? 0) + 1;
      });
    });
    let kicked = false;
    cheater.on('left', ({ reason }) => {
      kicked ||= reason === 'KICKED';
    });
    // The cheater tells its peers it is 30 units from where it is: a teleport.
    const worst: number[] = [];
    const timer = setInterval(() => {
      const prediction = cheater.arena?.prediction;
      const own = prediction && findVehicle(prediction.world, prediction.vehicleId);
      if (own && prediction) {
        const forged = { ...own, x: Math.min(230, own.x + 30), y: own.y };
        // Peers use a sample only past the newest snapshot they hold, and relayed samples arrive a tick
        // or three after they leave: stamped with the predicted tick alone (3 ahead of the server), they
        // could all arrive too late to count. A forger stamps its lies a few ticks ahead.
        cheater.mesh?.broadcast(
          Channel.phys,
          encodePhysSample({ tick: prediction.world.tick + 6, input: STILL, state: forged }),
        );
      }
      // Where the honest players draw the cheater's car, against the server's.
      const server = findVehicle(room.authority.world, vehicleId);
      for (const session of others) {
        const drawn = session
          .frame(performance.now())
          ?.vehicles.find((vehicle) => vehicle.vehicleId === vehicleId);
        if (drawn && server) worst.push(Math.hypot(drawn.state.x - server.x, drawn.state.y - server.y));
      }
    }, 50);
    try {
      await eventually(() => kicked, 'the forger to be kicked', 15_000);
    } finally {
      clearInterval(timer);
    }
    expect(reports.every((count) => count > 0)).toBe(true);
    expect(room.peerReportStats.confirmed).toBeGreaterThan(5);
    expect(room.kicks.at(-1)?.kind).toBe('forged-phys');
    // Clamped: never drawn anywhere near the forged 30 units away.
    expect(worst.length).toBeGreaterThan(10);
    expect(Math.max(...worst)).toBeLessThan(4);
    expect(room.clients).toHaveLength(2);
    expectHonest(room, cheater.client.playerId);
    await sleep(100);
  });
});
