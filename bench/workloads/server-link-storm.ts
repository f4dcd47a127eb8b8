/**
 * A join storm: 100 players join one room at once (a niced child process, as in the integration test)
 * while the room ticks at 20 Hz doing a modest simulation step. With server links, each player's
 * handshake waits behind the HandshakePacer (default 8 at once, 50/s); without, the burst is the
 * WebSocket joins alone. Measured: how late the room's ticks ran, how long until every link was direct,
 * and the server's CPU per joining player above its idle baseline (the difference between the two is
 * the server's CPU per direct-link handshake).
 */
import { Client } from 'vehikill-net/client';
import { type CountingMetrics, GameServer, Room } from 'vehikill-net/server';
import { WebSocket } from 'ws';
import { percentile, type Row } from '../results.js';
import { ClientProcess, cpuMark, cpuSince, round, sleep } from './server-link/common.js';

const TICK_MS = 50;

/** Ticks at 20 Hz with a little work, recording how late each tick ran (performance.now, µs-precise). */
class TickingRoom extends Room {
  static ticks: Array<{ at: number; lateMs: number }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  override onCreate(): void {
    this.setMaxClients(1_024);
    let expected = performance.now() + TICK_MS;
    const tick = () => {
      const now = performance.now();
      TickingRoom.ticks.push({ at: now, lateMs: now - expected });
      expected = now + TICK_MS;
      let sum = 0;
      for (let i = 0; i < 20_000; i++) sum += Math.sqrt(i); // a modest simulation step
      if (sum < 0) this.broadcast('never', null);
      this.#timer = setTimeout(tick, TICK_MS);
    };
    this.#timer = setTimeout(tick, TICK_MS);
  }

  override onDispose(): void {
    clearTimeout(this.#timer);
  }
}

export interface StormRun {
  links: boolean;
  run: number;
  players: number;
  /** From the burst until every player had joined / every link was direct (client side). */
  joinedMs: number;
  readyMs: number;
  direct: number;
  ticks: number;
  lateP50: number;
  lateP99: number;
  lateMax: number;
  /** Server CPU during the storm above the idle baseline, per joining player (ms). */
  cpuMsPerPlayer: number;
  baselineMsPerSecond: number;
  peakRunning: number;
  peakWaiting: number;
  /** Direct-link attempts the server made (more than players: some failed and were retried). */
  attempts: number;
}

async function stormOnce(links: boolean, run: number, players: number): Promise<StormRun> {
  const server = new GameServer({
    // The players stand in for remote ones, each of their own address (here all on loopback).
    serverLink: { bindAddress: '127.0.0.1', maxHandshakesPerAddress: 8 },
    maxConnections: 1_000,
    maxConnectionsPerAddress: 1_000,
    connectBurst: 1_000,
  }).define('tick', TickingRoom);
  const { wsUrl } = await server.listen(0);
  const owner = new Client({
    url: wsUrl,
    WebSocket,
    serverLink: 'off',
  });
  let child: ClientProcess | undefined;
  try {
    await owner.connect();
    const room = await owner.create('tick');
    child = await ClientProcess.start();
    await sleep(1_000);
    const idle = cpuMark();
    await sleep(2_000);
    const baseline = cpuSince(idle);
    const firstTick = TickingRoom.ticks.length;
    const start = cpuMark();
    const reply = await child.call({
      op: 'open',
      system: links ? 'direct' : 'tcp',
      url: wsUrl,
      count: players,
      roomId: room.roomId,
    });
    const stormEnd = performance.now();
    // The server's part may trail the clients' view by a little: the CPU window runs 1 s past it.
    await sleep(1_000);
    const span = cpuSince(start);
    const late = TickingRoom.ticks
      .slice(firstTick)
      .filter((tick) => tick.at <= stormEnd)
      .map((tick) => tick.lateMs)
      .sort((a, b) => a - b);
    const pacer = server.serverLinks.pacer;
    return {
      links,
      run,
      players,
      joinedMs: reply.joinedMs,
      readyMs: reply.readyMs,
      direct: reply.direct,
      ticks: late.length,
      lateP50: percentile(late, 50),
      lateP99: percentile(late, 99),
      lateMax: late.at(-1) ?? Number.NaN,
      cpuMsPerPlayer: ((span.cpuMsPerSecond - baseline.cpuMsPerSecond) * span.seconds) / players,
      baselineMsPerSecond: baseline.cpuMsPerSecond,
      peakRunning: pacer.peakRunning,
      peakWaiting: pacer.peakWaiting,
      attempts: (server.metrics as CountingMetrics).total('server_link_handshakes_total'),
    };
  } finally {
    await child?.close();
    owner.close();
    await server.close({ drainMs: 0 });
    TickingRoom.ticks = [];
  }
}

export async function measureServerLinkStorm(runs = 3, players = 100): Promise<StormRun[]> {
  const results: StormRun[] = [];
  // Alternate, so that warm-up and noise hit both alike.
  for (let run = 1; run <= runs; run++) {
    for (const links of [true, false]) {
      results.push(await stormOnce(links, run, players));
      console.error(`server-link storm: ${JSON.stringify(results.at(-1))}`);
    }
  }
  return results;
}

export function stormRows(results: readonly StormRun[]): Row[] {
  const rows: Row[] = [];
  for (const r of results) {
    const workload = `join storm: ${r.players} players join one 20 Hz room at once`;
    const system = `${r.links ? 'server links on (default pacing: 8 at once, 50/s)' : 'server links off (WebSocket joins only)'}, run ${r.run}`;
    const row = (metric: string, value: number, unit: string) =>
      rows.push({ workload, system, metric, value, unit });
    row('tick lateness p50', round(r.lateP50), 'ms');
    row('tick lateness p99', round(r.lateP99), 'ms');
    row('tick lateness max', round(r.lateMax), 'ms');
    row('ticks during the storm', r.ticks, 'ticks');
    row('all joined after', Math.round(r.joinedMs), 'ms');
    if (r.links) {
      row('all direct after', Math.round(r.readyMs), 'ms');
      row('links direct', r.direct, 'players');
      row('direct-link attempts made by the server', r.attempts, 'attempts');
    }
    row('server CPU above idle per joining player', round(r.cpuMsPerPlayer), 'ms');
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const on = results.filter((r) => r.links).map((r) => r.cpuMsPerPlayer);
  const off = results.filter((r) => !r.links).map((r) => r.cpuMsPerPlayer);
  if (on.length && off.length) {
    rows.push({
      workload: 'server link handshake',
      system: `mean of ${on.length} storms with links minus mean of ${off.length} without`,
      metric: 'server CPU per direct-link handshake',
      value: round(mean(on) - mean(off)),
      unit: 'ms',
    });
  }
  return rows;
}

/** Rows for bench/results.ts. */
export async function benchServerLinkStorm(runs = 3): Promise<Row[]> {
  return stormRows(await measureServerLinkStorm(runs));
}
