/**
 * Server CPU per player for the same game traffic three ways: the server link direct (WebRTC data
 * channels through node-datachannel's native API, every player on one UDP port), the same Link forced to
 * TCP mode (clients `serverLink: 'off'`), and a bare `ws` server exchanging the same bytes with no
 * library (the floor). Each player sends a 20-byte input at 30 Hz on `phys`; the room sends each player
 * a 200-byte snapshot at 30 Hz on `phys`. Players run in niced child processes of 50 (their CPU is not
 * counted); the server is this process, measured over a steady window at 50, 100 and 200 players (the
 * same players, more added between windows).
 */

import { type CountingMetrics, GameServer } from 'vehikill-net/server';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { Row } from '../results.js';
import {
  ClientProcess,
  cpuMark,
  cpuSince,
  HZ,
  INPUT_BYTES,
  round,
  SNAPSHOT_BYTES,
  SnapshotRoom,
  sleep,
  snapshot,
  totalCounts,
} from './server-link/common.js';
import type { System } from './server-link/protocol.js';

export interface ServerLinkCpuOptions {
  sizes?: number[];
  /** Steady window per size (ms). Default 8 s (the whole suite must fit in about 4 minutes). */
  windowMs?: number;
  /** Traffic before each window, after the last player is in (ms). Default 1.5 s. */
  warmupMs?: number;
  /** Players per client process. Default 50. */
  perProcess?: number;
  systems?: System[];
}

const SYSTEM_NAMES: Record<System, string> = {
  direct: 'server link, direct (WebRTC, one UDP port)',
  tcp: "server link, TCP mode (clients serverLink: 'off')",
  ws: 'bare ws (floor: same bytes, no library)',
};

interface Server {
  url: string;
  /** Direct-link attempts the server made so far. */
  attempts(): number;
  /** Inputs received and snapshots sent so far. */
  counts(): { inputs: number; sent: number; refused: number; ticks: number; directSent: number };
  /** Starts the 30 Hz snapshots (once the room exists). */
  startSnapshots(): void;
  close(): Promise<void>;
}

async function libraryServer(): Promise<Server> {
  const server = new GameServer({
    // Retries of a failed direct attempt back off to at most 2 s instead of 15 s: only the set-up is shorter.
    // The players stand in for remote ones, each of their own address (here all on loopback).
    serverLink: { bindAddress: '127.0.0.1', retryMs: 2_000, maxHandshakesPerAddress: 8 },
    maxConnections: 1_000,
    maxConnectionsPerAddress: 1_000,
    connectBurst: 1_000,
  }).define('snap', SnapshotRoom);
  const { wsUrl } = await server.listen(0);
  return {
    url: wsUrl,
    attempts: () => (server.metrics as CountingMetrics).total('server_link_handshakes_total'),
    counts: () => {
      const room = SnapshotRoom.current;
      return {
        inputs: room?.inputs ?? 0,
        sent: room?.snapshotsSent ?? 0,
        refused: room?.snapshotsRefused ?? 0,
        ticks: room?.ticks ?? 0,
        directSent: room?.directMessagesSent() ?? 0,
      };
    },
    startSnapshots: () => SnapshotRoom.current?.startSnapshots(),
    close: () => server.close({ drainMs: 0 }),
  };
}

async function bareWsServer(): Promise<Server> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets = new Set<WsSocket>();
  let inputs = 0;
  let sent = 0;
  let ticks = 0;
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('message', () => inputs++);
    socket.on('close', () => sockets.delete(socket));
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    attempts: () => 0,
    counts: () => ({ inputs, sent, refused: 0, ticks, directSent: 0 }),
    startSnapshots: () => {
      if (timer) return;
      let seq = 0;
      timer = setInterval(() => {
        ticks++;
        const bytes = snapshot(seq++);
        for (const socket of sockets) {
          socket.send(bytes);
          sent++;
        }
      }, 1_000 / HZ);
    },
    close: async () => {
      clearInterval(timer);
      for (const socket of sockets) socket.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

export interface CpuCase {
  system: System;
  players: number;
  seconds: number;
  cpuMsPerSecond: number;
  mainMsPerSecond: number;
  elu: number;
  inputsPerSecond: number;
  snapshotsSentPerSecond: number;
  snapshotsReceivedPerSecond: number;
  direct: number;
  joinMs: number;
  attempts: number;
  /** Snapshots `client.link.send` refused during the window. */
  refusedPerSecond: number;
  /** Snapshots received a second time by players (same sequence number). */
  duplicatesPerSecond: number;
  /** Snapshots the direct links' own counters say they sent. */
  directSentPerSecond: number;
}

async function measureSystem(system: System, options: Required<ServerLinkCpuOptions>): Promise<CpuCase[]> {
  const server = system === 'ws' ? await bareWsServer() : await libraryServer();
  const processes: ClientProcess[] = [];
  const cases: CpuCase[] = [];
  let players = 0;
  let roomId: string | undefined;
  try {
    for (const size of options.sizes) {
      const joinStarted = performance.now();
      // The first process makes the room alone; then new processes join together.
      while (players < size) {
        const batch: Array<Promise<void>> = [];
        const first = roomId === undefined && system !== 'ws';
        for (let planned = players; planned < size; planned += options.perProcess) {
          const count = Math.min(options.perProcess, size - planned);
          batch.push(
            ClientProcess.start().then(async (child) => {
              processes.push(child);
              const reply = await child.call({
                op: 'open',
                system,
                url: server.url,
                count,
                ...(roomId ? { roomId } : {}),
              });
              roomId ||= reply.roomId;
              if (system === 'direct' && reply.direct < count) {
                console.warn(`server-link cpu: only ${reply.direct}/${count} links direct after open`);
              }
            }),
          );
          players += count;
          if (first) break;
        }
        await Promise.all(batch);
      }
      const joinMs = performance.now() - joinStarted;
      server.startSnapshots();
      await Promise.all(processes.map((child) => child.call({ op: 'traffic', hz: HZ, bytes: INPUT_BYTES })));
      await sleep(options.warmupMs);
      const countsBefore = server.counts();
      const clientsBefore = await totalCounts(processes);
      const mark = cpuMark();
      await sleep(options.windowMs);
      const span = cpuSince(mark);
      const countsAfter = server.counts();
      const clientsAfter = await totalCounts(processes);
      const perSecond = (delta: number) => delta / span.seconds;
      cases.push({
        system,
        players,
        seconds: span.seconds,
        cpuMsPerSecond: span.cpuMsPerSecond,
        mainMsPerSecond: span.mainMsPerSecond,
        elu: span.elu,
        inputsPerSecond: perSecond(countsAfter.inputs - countsBefore.inputs),
        snapshotsSentPerSecond: perSecond(countsAfter.sent - countsBefore.sent),
        snapshotsReceivedPerSecond: perSecond(clientsAfter.received - clientsBefore.received),
        direct: clientsAfter.direct,
        joinMs,
        attempts: server.attempts(),
        refusedPerSecond: perSecond(countsAfter.refused - countsBefore.refused),
        duplicatesPerSecond: perSecond(clientsAfter.duplicates - clientsBefore.duplicates),
        directSentPerSecond: perSecond(countsAfter.directSent - countsBefore.directSent),
      });
      console.error(`server-link cpu: ${JSON.stringify(cases.at(-1))}`);
    }
  } finally {
    await Promise.all(processes.map((child) => child.close()));
    await server.close();
  }
  return cases;
}

export async function measureServerLinkCpu(options: ServerLinkCpuOptions = {}): Promise<CpuCase[]> {
  const resolved: Required<ServerLinkCpuOptions> = {
    sizes: options.sizes ?? [50, 100, 200],
    windowMs: options.windowMs ?? 8_000,
    warmupMs: options.warmupMs ?? 1_500,
    perProcess: options.perProcess ?? 50,
    systems: options.systems ?? ['direct', 'tcp', 'ws'],
  };
  const cases: CpuCase[] = [];
  for (const system of resolved.systems) cases.push(...(await measureSystem(system, resolved)));
  return cases;
}

export function cpuRows(cases: readonly CpuCase[]): Row[] {
  const workload = `server CPU per player: ${INPUT_BYTES} B input up + ${SNAPSHOT_BYTES} B snapshot down, ${HZ} Hz each, phys`;
  const rows: Row[] = [];
  for (const c of cases) {
    const system = SYSTEM_NAMES[c.system];
    const at = `${c.players} players`;
    const row = (metric: string, value: number, unit: string) =>
      rows.push({ workload, system, metric: `${at}: ${metric}`, value, unit });
    row('server CPU per player', round(c.cpuMsPerSecond / c.players, 3), 'ms CPU/s');
    row('server CPU, all threads', round(c.cpuMsPerSecond / 10, 1), '% of one core');
    row('server CPU, main thread', round(c.mainMsPerSecond / 10, 1), '% of one core');
    row('inputs received', round(c.inputsPerSecond / c.players, 1), '/s per player');
    row('snapshots received', round(c.snapshotsReceivedPerSecond / c.players, 1), '/s per player');
    if (c.system === 'direct') {
      row('links direct at the end', c.direct, 'players');
      row('direct-link attempts so far', c.attempts, 'attempts');
      row(
        'snapshots not taken by the direct path (went over TCP)',
        round((c.snapshotsSentPerSecond - c.directSentPerSecond) / c.players, 2),
        '/s per player',
      );
      row('snapshots received twice', round(c.duplicatesPerSecond / c.players, 2), '/s per player');
    }
  }
  return rows;
}

/** Rows for bench/results.ts. */
export async function benchServerLinkCpu(options: ServerLinkCpuOptions = {}): Promise<Row[]> {
  return cpuRows(await measureServerLinkCpu(options));
}
