/**
 * One address reconnecting in a loop: what it costs the server, with the default connection rate per
 * address (`connectBurst` 256, `connectsPerSecond` 16) and with that rate lifted. The flooder runs in a
 * child process (this file with the argument 'flooder'): 16 connections at a time, each an upgrade with
 * a guest token, a hello, and a hang-up at the welcome; a refused upgrade is retried at once, as a
 * flooder would, not after a backoff. The server runs here; its CPU (user + system) is measured over
 * the run after a warm-up second. Modes alternate, twice each.
 * Alone: `npm run build && node dist/bench/workloads/reconnect-flood.js`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { encodeMessage, Kind, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { GameServer } from '../../src/server/index.js';
import type { Row } from '../results.js';

const RUN_MS = 4_000;
const WARM_MS = 1_000;
const AT_ONCE = 16;
const WORKLOAD = 'One address reconnecting in a loop (16 at a time, upgrade + hello, no backoff)';

type Mode = 'default rate per address' | 'rate lifted';

interface FloodCounts {
  welcomed: number;
  refused: number;
  failed: number;
}

interface Run {
  mode: Mode;
  /** Server CPU over the measured window, % of one core. */
  cpuPercent: number;
  welcomedPerSecond: number;
  refusedPerSecond: number;
}

/** The child: reconnects until `runMs` is over, then reports its counts. */
async function flood(url: string, runMs: number): Promise<FloodCounts> {
  const counts: FloodCounts = { welcomed: 0, refused: 0, failed: 0 };
  const end = performance.now() + runMs;
  const hello = encodeMessage(Kind.Hello, { v: PROTOCOL_VERSION });
  const once = () =>
    new Promise<void>((resolve) => {
      const socket = new WebSocket(url);
      const done = (outcome: keyof FloodCounts) => {
        counts[outcome]++;
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        resolve();
      };
      socket.on('open', () => socket.send(hello));
      socket.once('message', () => done('welcomed'));
      socket.once('unexpected-response', () => done('refused'));
      socket.once('error', () => done('failed'));
    });
  const loop = async () => {
    while (performance.now() < end) await once();
  };
  await Promise.all(Array.from({ length: AT_ONCE }, loop));
  return counts;
}

async function run(mode: Mode): Promise<Run> {
  const lifted = mode === 'rate lifted';
  const server = new GameServer(lifted ? { connectBurst: 1_000_000, connectsPerSecond: 1_000_000 } : {});
  const { wsUrl } = await server.listen(0);
  const url = `${wsUrl}?token=${server.issueGuestToken('flooder')}`;
  const child = fork(fileURLToPath(import.meta.url), ['flooder', url, String(RUN_MS)]);
  const counts = new Promise<FloodCounts>((resolve, reject) => {
    child.once('message', (message) => resolve(message as FloodCounts));
    child.once('exit', (code) => reject(new Error(`the flooder exited (${code}) before reporting`)));
  });
  await new Promise((resolve) => setTimeout(resolve, WARM_MS));
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const reported = await counts;
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  await server.close({ drainMs: 0 });
  const perSecond = (count: number) => (count / RUN_MS) * 1_000;
  return {
    mode,
    cpuPercent: ((cpu.user + cpu.system) / 1_000 / wallMs) * 100,
    welcomedPerSecond: perSecond(reported.welcomed),
    refusedPerSecond: perSecond(reported.refused + reported.failed),
  };
}

export async function benchReconnectFlood(): Promise<Row[]> {
  const runs: Run[] = [];
  for (let round = 0; round < 2; round++) {
    for (const mode of ['default rate per address', 'rate lifted'] as const) runs.push(await run(mode));
  }
  const rows: Row[] = [];
  for (const [index, result] of runs.entries()) {
    const system = `${result.mode}, run ${Math.floor(index / 2) + 1}`;
    rows.push(
      {
        workload: WORKLOAD,
        system,
        metric: 'server CPU',
        value: round1(result.cpuPercent),
        unit: '% of one core',
      },
      {
        workload: WORKLOAD,
        system,
        metric: 'sessions made',
        value: round1(result.welcomedPerSecond),
        unit: '/s',
      },
      {
        workload: WORKLOAD,
        system,
        metric: 'upgrades refused',
        value: round1(result.refusedPerSecond),
        unit: '/s',
      },
    );
  }
  return rows;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

if (process.argv[2] === 'flooder') {
  const counts = await flood(process.argv[3] as string, Number(process.argv[4]));
  process.send?.(counts);
  process.exit(0);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchReconnectFlood()) {
    console.log(`${row.system.padEnd(32)} ${row.metric.padEnd(18)} ${row.value} ${row.unit}`);
  }
}
