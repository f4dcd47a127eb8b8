import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GameServer, Room } from 'vehikill-net/server';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Row } from '../results.js';

export const FANOUT_CLIENTS = 32;
const MESSAGES = 20_000;
const BATCH = 50;
const PAYLOAD = { from: 'p_0123456789abcdef', text: 'x'.repeat(48) };

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

async function ours(): Promise<number> {
  const server = new GameServer({
    rateBurst: 10_000,
    outboxMessages: MESSAGES * 2,
    outboxBytes: 64 * 1024 * 1024,
  });
  server.define('fanout', FanoutRoom);
  const { wsUrl } = await server.listen(0);
  let started = 0;
  const finished = await runClients('vehikill', wsUrl, () => {
    started = Date.now();
    pump(() => FanoutRoom.current?.broadcast('chat', PAYLOAD));
  });
  await server.close({ drainMs: 0 });
  return (MESSAGES * FANOUT_CLIENTS) / ((finished - started) / 1000);
}

async function bareWs(): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets: WebSocket[] = [];
  wss.on('connection', (socket) => sockets.push(socket));
  const port = (wss.address() as { port: number }).port;
  // Same bytes on the wire as ours would need at minimum: a kind byte and a msgpack body.
  const { encodeMessage, Kind } = await import('vehikill-net/protocol');
  const frame = encodeMessage(Kind.ServerRoomMessage, { roomId: 'AbCdEfGhIj', t: 'chat', d: PAYLOAD });
  let started = 0;
  const finished = await runClients('ws', `ws://127.0.0.1:${port}`, () => {
    started = Date.now();
    pump(() => {
      for (const socket of sockets) socket.send(frame);
    });
  });
  for (const socket of sockets) socket.terminate();
  await new Promise((resolve) => wss.close(resolve));
  return (MESSAGES * FANOUT_CLIENTS) / ((finished - started) / 1000);
}

export async function benchFanout(): Promise<Row[]> {
  const rows: Row[] = [];
  // Alternate the two systems and keep each one's best of three, so that warm-up and noise hit both alike.
  const best = { ws: 0, vehikill: 0 };
  for (let round = 0; round < 3; round++) {
    best.ws = Math.max(best.ws, await bareWs());
    best.vehikill = Math.max(best.vehikill, await ours());
  }
  const workload = `fan-out, 1 room x ${FANOUT_CLIENTS} clients, loopback`;
  rows.push({
    workload,
    system: 'bare ws broadcast',
    metric: 'messages delivered',
    value: Math.round(best.ws),
    unit: 'msg/s',
  });
  rows.push({
    workload,
    system: 'vehikill-net (reliable)',
    metric: 'messages delivered',
    value: Math.round(best.vehikill),
    unit: 'msg/s',
  });
  rows.push({
    workload,
    system: 'vehikill-net / bare ws',
    metric: 'ratio',
    value: best.vehikill / best.ws,
    unit: 'x',
  });
  return rows;
}
