/**
 * What our Node client's own layers cost a CCU bot, above `ws` and the kernel:
 *   node dist/bench/workloads/ccu/client-layers.js [clients=640] [seconds=4]
 *
 * `clients` real `Client`s (TCP mode) join a CCU server (`ours-ws`, its own process) in rooms of 16 and ack
 * from the snapshot header, as the light bots do. Then the server is stopped (SIGSTOP) and every socket's
 * `send` is replaced by a counter, and for `seconds` each client sends its inputs at 30 a second (on
 * `phys`, the ack riding on them) and is handed a captured snapshot frame on its socket's `message` event 20
 * times a second, paced on a 4 ms grid as `InputPacer` paces the bots. The process's CPU for that, minus the
 * same loop with the sends and frames left out (`harness`: the inputs still made, what the workload itself
 * costs over idle), per client per second, is the printed figure: our client's layers.
 *
 * Paced, not a tight loop: the client takes volatile inputs over the server's rate as newest-only and drops
 * the rest, so a loop sending as fast as it can times the drop (BENCHMARKS.md, 2026-12-07 from 12:00).
 * `sent` counts what reached the sockets, to check that. Pin it (`taskset -c 1`) and compare runs in
 * alternation: separate runs differ by 15 % or more.
 */
import { Client } from 'vehikill-net/client';
import { encodeAckFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { WebSocket } from 'ws';
import { HeaderAcker } from './header-acker.js';
import { PinnedProcess } from './pinned-process.js';
import { botInput, encodeInput, INPUT_HZ, PLAYERS_PER_ROOM, TICK_HZ } from './scenario.js';
import type { ServerRequest } from './systems.js';

const clients = Number(process.argv[2] ?? 640);
const seconds = Number(process.argv[3] ?? 4);
// At most 10 s a phase: a client hearing nothing for three heartbeats (the server's 5 s) reconnects.
if (!Number.isInteger(clients) || clients < 1 || !(seconds > 0 && seconds <= 10)) {
  throw new Error('usage: client-layers.js [clients ≥ 1] [seconds, 0 < s ≤ 10]');
}
const PASS_MS = 4;

interface Bot {
  readonly index: number;
  readonly client: Client;
  readonly acker: HeaderAcker;
  readonly socket: WebSocket;
  seq: number;
  inputDue: number;
  frameDue: number;
  frames: number;
}

/** Every socket the clients open, in order: the newest is the client's just connected. */
const opened: WebSocket[] = [];
class RecordedWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    opened.push(this);
  }
}

// The server on the other core, as the CCU ramp starts it.
const server = await PinnedProcess.start<ServerRequest>('./server-main.js', 0, ['ours-ws']);
const url = String(server.ready.url);
const bots: Bot[] = [];
let roomId = '';
for (let index = 0; index < clients; index++) {
  const client = new Client({ url, WebSocket: RecordedWebSocket, serverLink: 'off' });
  const acker = new HeaderAcker();
  client.serverLink.onMessage((channel, bytes) => {
    if (channel === Channel.phys) acker.receive(bytes);
  });
  await client.connect();
  const room = index % PLAYERS_PER_ROOM === 0 ? await client.create('ccu') : await client.join(roomId);
  roomId = room.roomId;
  const socket = opened.at(-1) as WebSocket;
  bots.push({ index, client, acker, socket, seq: 0, inputDue: 0, frameDue: 0, frames: 0 });
}
// Real snapshot frames, as the first client's socket hands them on.
const frames: Buffer[] = [];
(bots[0] as Bot).socket.on('message', (data: Buffer) => {
  if (frames.length < 60) frames.push(Buffer.from(data));
});
await sleep(3_500);
const serverPid = server.process.pid;
if (serverPid !== undefined) process.kill(serverPid, 'SIGSTOP');
let sent = 0;
for (const bot of bots) {
  bot.socket.send = () => {
    sent++;
  };
}

interface Phase {
  cpuMs: number;
  inputs: number;
  frames: number;
  sent: number;
}

/** `seconds` of the pacing loop: with the clients' traffic, with the loop's own work only, or idle. */
async function phase(traffic: 'clients' | 'harness' | 'none'): Promise<Phase> {
  // Each client hears a frame before the phase, untimed: the stopped server's silence must not reach the
  // clients' dead-server timeout, whose reconnections would then be timed.
  for (const bot of bots) bot.socket.emit('message', frames[0] as Buffer, true);
  await sleep(PASS_MS);
  const start = performance.now();
  for (const bot of bots) {
    bot.inputDue = start + ((bot.index * 7.3) % (1_000 / INPUT_HZ));
    bot.frameDue = start + ((bot.index * 3.1) % (1_000 / TICK_HZ));
  }
  const sentBefore = sent;
  let inputs = 0;
  let handed = 0;
  const cpu = process.cpuUsage();
  while (performance.now() - start < seconds * 1_000) {
    await sleep(PASS_MS);
    if (traffic === 'none') continue;
    const now = performance.now();
    const wallMs = Date.now();
    for (const bot of bots) {
      if (bot.inputDue <= now) {
        const bytes = encodeAckFrame(bot.acker.ack, encodeInput(botInput(bot.index, bot.seq++, wallMs)));
        if (traffic === 'clients') bot.client.serverLink.send(Channel.phys, bytes);
        inputs++;
        bot.inputDue += 1_000 / INPUT_HZ;
      }
      if (bot.frameDue <= now) {
        const frame = frames[bot.frames++ % frames.length] as Buffer;
        if (traffic === 'clients') bot.socket.emit('message', frame, true);
        handed++;
        bot.frameDue += 1_000 / TICK_HZ;
      }
    }
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1_000, inputs, frames: handed, sent: sent - sentBefore };
}

const idleBefore = await phase('none');
const withClients = await phase('clients');
const harness = await phase('harness');
const idleAfter = await phase('none');
const idleMs = (idleBefore.cpuMs + idleAfter.cpuMs) / 2;
const perClient = (ms: number) => Number(((ms * 1_000) / seconds / clients).toFixed(1));
console.log(
  JSON.stringify({
    clients,
    seconds,
    framesCaptured: frames.length,
    clientLayersUsPerClientPerS: perClient(withClients.cpuMs - harness.cpuMs),
    harnessUsPerClientPerS: perClient(harness.cpuMs - idleMs),
    idleUsPerClientPerS: perClient(idleMs),
    withClients,
  }),
);
if (serverPid !== undefined) process.kill(serverPid, 'SIGKILL');
process.exit(0);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
