import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GameServer, Room } from 'vehikill-net/server';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Row } from '../results.js';

export const FANOUT_CLIENTS = 32;
const MESSAGES = 20_000;
const BATCH = 50;
const PAYLOAD = { from: 'p_0123456789abcdef', text: 'x'.repeat(48) };

interface RunResult {
  messagesPerSecond: number;
  /** Server process CPU (user + system) per delivered message, in microseconds. */
  cpuMicrosPerMessage: number;
}

/** Starts the client process and resolves when it reports every client finished. */
function runClients(mode: 'vehikill' | 'ws', url: string, onReady: () => void): Promise<number> {
  const script = fileURLToPath(new URL('../fanout-clients.js', import.meta.url));
  const child = fork(script, [mode, url, String(FANOUT_CLIENTS), String(MESSAGES)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { type: string; at?: number }) => {
      if (message.type === 'ready') onReady();
      if (message.type === 'done') {
        resolve(Date.now());
        child.kill();
      }
    });
    child.on('exit', (code) => {
      if (code) reject(new Error(`fan-out clients exited with ${code}`));
    });
  });
}

/** Sends MESSAGES broadcasts in batches, yielding between batches like a game loop does. */
function pump(broadcast: () => void): void {
  let sent = 0;
  const step = () => {
    for (let i = 0; i < BATCH && sent < MESSAGES; i++, sent++) broadcast();
    if (sent < MESSAGES) setImmediate(step);
  };
  step();
}

class FanoutRoom extends Room {
  static current: FanoutRoom | undefined;
  override onCreate(): void {
    this.setMaxClients(FANOUT_CLIENTS);
    FanoutRoom.current = this;
  }
}

function measureRun(started: number, finished: number, cpuBefore: NodeJS.CpuUsage): RunResult {
  const cpu = process.cpuUsage(cpuBefore);
  const delivered = MESSAGES * FANOUT_CLIENTS;
  return {
    messagesPerSecond: delivered / ((finished - started) / 1000),
    cpuMicrosPerMessage: (cpu.user + cpu.system) / delivered,
  };
}

export async function ours(): Promise<RunResult> {
  const server = new GameServer({
    rateBurst: 10_000,
    outboxMessages: MESSAGES * 2,
    outboxBytes: 64 * 1024 * 1024,
  });
  server.define('fanout', FanoutRoom);
  const { wsUrl } = await server.listen(0);
  let started = 0;
  let cpuBefore = process.cpuUsage();
  const finished = await runClients('vehikill', wsUrl, () => {
    started = Date.now();
    cpuBefore = process.cpuUsage();
    pump(() => FanoutRoom.current?.broadcast('chat', PAYLOAD));
  });
  const result = measureRun(started, finished, cpuBefore);
  await server.close({ drainMs: 0 });
  return result;
}

export async function bareWs(): Promise<RunResult> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets: WebSocket[] = [];
  wss.on('connection', (socket) => sockets.push(socket));
  const port = (wss.address() as { port: number }).port;
  // Same bytes on the wire as ours would need at minimum: a kind byte and a msgpack body.
  const { encodeMessage, Kind } = await import('vehikill-net/protocol');
  const frame = encodeMessage(Kind.ServerRoomMessage, { roomId: 'AbCdEfGhIj', t: 'chat', d: PAYLOAD });
  let started = 0;
  let cpuBefore = process.cpuUsage();
  const finished = await runClients('ws', `ws://127.0.0.1:${port}`, () => {
    started = Date.now();
    cpuBefore = process.cpuUsage();
    pump(() => {
      for (const socket of sockets) socket.send(frame);
    });
  });
  const result = measureRun(started, finished, cpuBefore);
  for (const socket of sockets) socket.terminate();
  await new Promise((resolve) => wss.close(resolve));
  return result;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function benchFanout(rounds = 5): Promise<Row[]> {
  // Alternate the two systems and take each one's median, so warm-up and noise hit both alike.
  const runs: Record<'ws' | 'vehikill', RunResult[]> = { ws: [], vehikill: [] };
  for (let round = 0; round < rounds; round++) {
    runs.ws.push(await bareWs());
    runs.vehikill.push(await ours());
  }
  const workload = `fan-out, 1 room x ${FANOUT_CLIENTS} clients, loopback, median of ${rounds}`;
  const rate = (system: 'ws' | 'vehikill') => median(runs[system].map((run) => run.messagesPerSecond));
  const cpu = (system: 'ws' | 'vehikill') => median(runs[system].map((run) => run.cpuMicrosPerMessage));
  return [
    {
      workload,
      system: 'bare ws broadcast',
      metric: 'messages delivered',
      value: Math.round(rate('ws')),
      unit: 'msg/s',
    },
    {
      workload,
      system: 'vehikill-net (reliable)',
      metric: 'messages delivered',
      value: Math.round(rate('vehikill')),
      unit: 'msg/s',
    },
    {
      workload,
      system: 'vehikill-net / bare ws',
      metric: 'delivery rate ratio',
      value: rate('vehikill') / rate('ws'),
      unit: 'x',
    },
    {
      workload,
      system: 'bare ws broadcast',
      metric: 'server CPU per delivered message',
      value: cpu('ws'),
      unit: 'µs',
    },
    {
      workload,
      system: 'vehikill-net (reliable)',
      metric: 'server CPU per delivered message',
      value: cpu('vehikill'),
      unit: 'µs',
    },
  ];
}
