/**
 * Child process of the server-link benchmarks: stands in for remote players, so that their CPU is not
 * counted as the server's. Driven over IPC by `ClientProcess` (common.ts): `open` makes players (real
 * `Client`s with a server link, direct or TCP mode, or bare `ws` sockets), `traffic` starts their 30 Hz
 * inputs, `record-start` / `record-stop` measure snapshot latency and stalls, `close` ends the process.
 *
 * Snapshots carry their send time (process.hrtime, CLOCK_MONOTONIC: one clock for every process on the
 * machine) at byte 8, and a sequence number at byte 0.
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, Client, type ClientOptions } from 'vehikill-net/client';
import { WebSocket } from 'ws';
import { percentile } from '../../results.js';
import type { ChildReply, ChildRequest, LatencySummary, OpenReply, System } from './protocol.js';

interface Player {
  readonly label: string;
  readonly system: System;
  received: number;
  /** Snapshots that arrived a second time (same sequence number). */
  duplicates: number;
  seen: Set<number>;
  sent: number;
  sending: boolean;
  /** Arrival times (ms, hrtime) and one-way latencies while recording. */
  arrivals: number[] | undefined;
  latencies: number[] | undefined;
  sendInput(bytes: Uint8Array): void;
  path(): string;
  close(): void;
}

const players: Player[] = [];
const timers: Array<ReturnType<typeof setInterval> | ReturnType<typeof setTimeout>> = [];
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function onSnapshot(player: Player, bytes: Uint8Array): void {
  player.received++;
  if (bytes.length < 16) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const seq = view.getUint32(0);
  if (player.seen.has(seq)) player.duplicates++;
  else {
    if (player.seen.size >= 4_096) player.seen.clear();
    player.seen.add(seq);
  }
  if (!player.arrivals) return;
  const at = process.hrtime.bigint();
  const stamp = view.getBigUint64(8);
  player.arrivals.push(Number(at) / 1e6);
  player.latencies?.push(Number(at - stamp) / 1e6);
}

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

function libraryPlayer(
  label: string,
  system: 'direct' | 'tcp',
  url: string,
): { player: Player; client: Client } {
  const client = new Client({
    url,
    WebSocket,
    serverLink: system === 'direct' ? nodeRtc : 'off',
  });
  const player: Player = {
    label,
    system,
    received: 0,
    duplicates: 0,
    seen: new Set(),
    sent: 0,
    sending: false,
    arrivals: undefined,
    latencies: undefined,
    sendInput: (bytes) => {
      if (client.serverLink.send(Channel.phys, bytes)) player.sent++;
    },
    path: () => client.serverLink.path,
    close: () => client.close(),
  };
  client.serverLink.onMessage((channel, bytes) => {
    if (channel === Channel.phys) onSnapshot(player, bytes);
  });
  return { player, client };
}

function wsPlayer(label: string, url: string): Promise<Player> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const player: Player = {
    label,
    system: 'ws',
    received: 0,
    duplicates: 0,
    seen: new Set(),
    sent: 0,
    sending: false,
    arrivals: undefined,
    latencies: undefined,
    sendInput: (bytes) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(bytes);
      player.sent++;
    },
    path: () => (socket.readyState === WebSocket.OPEN ? 'ws' : 'closed'),
    close: () => socket.terminate(),
  };
  socket.binaryType = 'nodebuffer';
  socket.on('message', (data: Buffer) => onSnapshot(player, data));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(player));
    socket.once('error', reject);
  });
}

async function open(request: Extract<ChildRequest, { op: 'open' }>): Promise<OpenReply> {
  const started = nowMs();
  const label = request.label ?? request.system;
  if (request.system === 'ws') {
    const made = await Promise.all(Array.from({ length: request.count }, () => wsPlayer(label, request.url)));
    players.push(...made);
    return { roomId: '', joinedMs: nowMs() - started, readyMs: nowMs() - started, direct: 0 };
  }
  const system = request.system;
  const made = Array.from({ length: request.count }, () => libraryPlayer(label, system, request.url));
  let roomId = request.roomId;
  let rest = made;
  if (!roomId) {
    // The first player makes the room; the others join it.
    const first = made[0]!;
    await first.client.connect();
    roomId = (await first.client.create(request.roomType ?? 'snap')).roomId;
    rest = made.slice(1);
  }
  const joinId = roomId;
  await Promise.all(
    rest.map(async ({ client }) => {
      await client.connect();
      await client.join(joinId);
    }),
  );
  const joinedMs = nowMs() - started;
  players.push(...made.map((m) => m.player));
  if (system === 'direct') {
    const deadline = Date.now() + (request.directTimeoutMs ?? 60_000);
    while (made.some((m) => m.client.serverLink.path !== 'direct') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return {
    roomId,
    joinedMs,
    readyMs: nowMs() - started,
    direct: made.filter((m) => m.client.serverLink.path === 'direct').length,
  };
}

/** Starts each new player's inputs at `hz`, at a random phase, as remote players' would be. */
function traffic(hz: number, bytes: number): void {
  const period = 1000 / hz;
  for (const player of players) {
    if (player.sending) continue;
    player.sending = true;
    const tick = () => {
      const input = new Uint8Array(bytes);
      input[0] = 1;
      player.sendInput(input);
    };
    timers.push(
      setTimeout(() => {
        tick();
        timers.push(setInterval(tick, period));
      }, Math.random() * period),
    );
  }
}

function summarize(label: string): LatencySummary {
  const mine = players.filter((p) => p.label === label);
  const latencies = mine.flatMap((p) => p.latencies ?? []).sort((a, b) => a - b);
  let longestGapMs = 0;
  for (const player of mine) {
    const arrivals = player.arrivals ?? [];
    for (let i = 1; i < arrivals.length; i++) {
      longestGapMs = Math.max(longestGapMs, arrivals[i]! - arrivals[i - 1]!);
    }
  }
  return {
    label,
    received: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    longestGapMs,
    paths: mine.map((p) => p.path()),
  };
}

async function handle(request: ChildRequest): Promise<ChildReply> {
  switch (request.op) {
    case 'open':
      return open(request);
    case 'traffic':
      traffic(request.hz, request.bytes);
      return {};
    case 'counts':
      return {
        received: players.reduce((sum, p) => sum + p.received, 0),
        duplicates: players.reduce((sum, p) => sum + p.duplicates, 0),
        sent: players.reduce((sum, p) => sum + p.sent, 0),
        direct: players.filter((p) => p.path() === 'direct').length,
        players: players.length,
      };
    case 'record-start':
      for (const player of players) {
        player.arrivals = [];
        player.latencies = [];
      }
      return {};
    case 'record-stop': {
      const labels = [...new Set(players.map((p) => p.label))];
      const summaries = labels.map(summarize);
      for (const player of players) {
        player.arrivals = undefined;
        player.latencies = undefined;
      }
      return { summaries };
    }
    case 'close':
      for (const timer of timers) clearTimeout(timer);
      for (const player of players) player.close();
      setTimeout(() => process.exit(0), 300);
      return {};
  }
}

process.on('message', (message: { id: number; request: ChildRequest }) => {
  handle(message.request).then(
    (reply) => process.send?.({ id: message.id, reply }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ loaded: true });
