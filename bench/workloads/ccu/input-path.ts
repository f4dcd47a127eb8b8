/**
 * The server's own cost per input, at a given number of players, in one process and without the kernel:
 * `npm run build && ROOMS=64 node --expose-gc dist/bench/workloads/ccu/input-path.js [inputs per round]
 * [rounds]`.
 *
 * It opens ROOMS rooms of 16 CCU bots (inputs on `phys` in TCP mode, as 'ours-ws-phys'), stops their
 * inputs, and replays each player's newest input frame to the server's side of its WebSocket in a tight
 * loop, players taken in a shuffled order: every input then runs the whole path from the WebSocket's
 * `message` event to the room (session, link, rate limits, room routing, the ack riding on it, the
 * room's handler). What it shows is how that cost grows with the players whose state the path touches:
 * with one room everything stays in the CPU's caches; with many, each input finds its player's objects
 * cold. The server's clock runs ahead by 1/30 s per player per input, so rate limits see 30 inputs/s.
 * Compare builds over several processes each: with 64 rooms the median moves from one process to the
 * next on the 2-core test machine (where each player's objects land in memory), far more than within a
 * process, and the machine itself drifts over minutes: alternate the builds. Two full collections before
 * the loop (with --expose-gc) start every process from a compacted heap, which made runs close together
 * agree better (5.7-6.5 µs over three at 1,024 players) without taking the drift away.
 */
import { realClock } from 'vehikill-net/server';
import { WebSocket } from 'ws';
import { oursRoomOfBots } from './bots-ours.js';
import { InputPacer } from './input-pacer.js';
import { LoadMeter } from './load-meter.js';
import { PLAYERS_PER_ROOM } from './scenario.js';
import { startOursServer } from './server-ours.js';

/** An input frame in TCP mode: frame header, channel, the sync tag with its ack, then the input. */
const INPUT_FRAME_BYTES = 23;

type Emit = (this: WebSocket, event: string | symbol, ...args: unknown[]) => boolean;

const rooms = Number(process.env.ROOMS ?? 1);
const inputsPerRound = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);

let clockAhead = 0;
realClock.now = () => Date.now() + clockAhead;

// The newest input frame each server-side socket received, with what its `message` event carried.
const newest = new Map<WebSocket, unknown[]>();
const emit = WebSocket.prototype.emit as Emit;
WebSocket.prototype.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]) {
  const isServerSide = (this as unknown as { _isServer: boolean })._isServer;
  if (isServerSide && event === 'message' && (args[0] as Buffer).length === INPUT_FRAME_BYTES) {
    newest.set(this, args);
  }
  return emit.call(this, event, ...args);
} as Emit as typeof WebSocket.prototype.emit;

const meter = new LoadMeter();
const server = await startOursServer(meter, 'ws');
const pacer = new InputPacer();
const bots = [];
for (let room = 0; room < rooms; room++) {
  const count = PLAYERS_PER_ROOM;
  const roomOfBots = { url: server.url, count, firstIndex: room * count, decoding: 1, meter, pacer };
  bots.push(...(await oursRoomOfBots('ours-ws-phys', roomOfBots)));
}
await new Promise((resolve) => setTimeout(resolve, 2_000));
pacer.stop();
await new Promise((resolve) => setTimeout(resolve, 200));
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined)
  console.log('without --expose-gc: no full collection before the loop (less steady)');
collect?.();
collect?.();

const players = [...newest];
for (let i = players.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [players[i], players[j]] = [players[j] as (typeof players)[number], players[i] as (typeof players)[number]];
}
const stepMs = 1_000 / 30 / players.length;
const perInputUs: number[] = [];
for (let round = 0; round < rounds; round++) {
  const before = meter.inputs;
  const started = performance.now();
  for (let i = 0; i < inputsPerRound; i++) {
    const [socket, args] = players[i % players.length] as [WebSocket, unknown[]];
    clockAhead += stepMs;
    emit.call(socket, 'message', ...args);
  }
  perInputUs.push(((performance.now() - started) * 1_000) / inputsPerRound);
  const taken = meter.inputs - before;
  if (taken !== inputsPerRound) console.log(`round ${round}: the rooms took ${taken} of ${inputsPerRound}`);
  // Room ticks and timers run between rounds.
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const sorted = [...perInputUs].sort((a, b) => a - b);
console.log(
  `${players.length} players in ${rooms} rooms: µs per input, median ${sorted[sorted.length >> 1]?.toFixed(3)}` +
    ` (rounds: ${perInputUs.map((us) => us.toFixed(3)).join(', ')})`,
);
for (const bot of bots) bot.close();
await server.close();
process.exit(0);
