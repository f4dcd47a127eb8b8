/**
 * A game server in its own process, for tests that attack it: were it to freeze or crash, the test sees
 * that (no answer, an exit) instead of freezing with it. It serves an 'arena' room that sends each
 * member a 200-byte snapshot on its server link 20 times a second: `[u32 tick, u32 phys, u32 event,
 * u32 dispatch, ...]`, the counts of that member's link messages the room has taken on each channel.
 * Server options over the defaults come as JSON in the first argument. Prints `{"wsUrl","httpUrl"}` once listening, then answers `{"op":"stats"}` with the server's own
 * view (see Stats), and `{"op":"stall","ms":N}` once it has kept its event loop busy for N ms.
 */
import { createInterface } from 'node:readline';
import { Channel, type CountingMetrics, GameServer, Room, type RoomClient } from '../../src/server/index.js';

export interface Stats {
  /** When the server took these (performance.now() in its own process, ms): the window between two. */
  atMs: number;
  rssBytes: number;
  /** CPU time this process has used (ms). */
  cpuMs: number;
  /** server_link_rejected_total by reason, and bad_input_total by code. */
  rejected: Record<string, number>;
  badInput: Record<string, number>;
  /** Per player: the link messages the room took on each channel, and the largest one. */
  heard: Record<string, { phys: number; event: number; dispatch: number; largest: number }>;
  handshakes: number;
  directLinks: number;
  /** Players cut off for spending their fault budget (connections_cut_total, TOO_MANY_ERRORS). */
  cutOff: number;
}

const heard: Stats['heard'] = {};

class ArenaRoom extends Room {
  #stopped = false;
  override onCreate(): void {
    // Seats for the flooders of a whole test file beside the honest player: each one killed after its
    // test is away, its seat held, for the grace period (30 s), as tests of a few seconds go on.
    this.setMaxClients(16);
    let tick = 0;
    const step = () => {
      if (this.#stopped) return;
      tick++;
      for (const client of this.clients) client.link.send(Channel.phys, snapshotFor(client, tick));
      this.clock.setTimeout(step, 50);
    };
    this.clock.setTimeout(step, 50);
  }
  override onDispose(): void {
    this.#stopped = true;
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    const counts = countsOf(client.playerId);
    counts[channel]++;
    counts.largest = Math.max(counts.largest, bytes.length);
  }
}

function countsOf(playerId: string) {
  heard[playerId] ??= { phys: 0, event: 0, dispatch: 0, largest: 0 };
  return heard[playerId];
}

function snapshotFor(client: RoomClient, tick: number): Uint8Array {
  const snapshot = new Uint8Array(200);
  const view = new DataView(snapshot.buffer);
  const counts = countsOf(client.playerId);
  view.setUint32(0, tick);
  view.setUint32(4, counts.phys);
  view.setUint32(8, counts.event);
  view.setUint32(12, counts.dispatch);
  return snapshot;
}

/** Server options over the defaults, as JSON in the first argument (e.g. `{"errorBudget": 1e9}`). */
const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const server = new GameServer({ heartbeatMs: 1_000, serverLink: { bindAddress: '127.0.0.1' }, ...overrides });
server.define('arena', ArenaRoom);
const { wsUrl, httpUrl } = await server.listen(0);
const metrics = server.metrics as CountingMetrics;
console.log(JSON.stringify({ wsUrl, httpUrl }));

const REASONS = ['too-large', 'rate', 'dispatch-window', 'bad-frame', 'extra-channel', 'text', 'bad-control'];
const CODES = ['MESSAGE_TOO_LARGE', 'RATE_LIMITED', 'DISPATCH_WINDOW', 'BAD_FRAME', 'EXTRA_CHANNEL'];

function stats(): Stats {
  const cpu = process.cpuUsage();
  return {
    atMs: performance.now(),
    rssBytes: process.memoryUsage().rss,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rejected: Object.fromEntries(
      REASONS.map((reason) => [reason, metrics.total('server_link_rejected_total', { reason })]),
    ),
    badInput: Object.fromEntries(CODES.map((code) => [code, metrics.total('bad_input_total', { code })])),
    heard,
    handshakes: metrics.total('server_link_handshakes_total'),
    directLinks: metrics.total('server_link_attempts_total', { outcome: 'direct' }),
    cutOff: metrics.total('connections_cut_total', { code: 'TOO_MANY_ERRORS' }),
  };
}

/** Keeps the event loop busy for `ms`, as a long room tick or a GC pause would; answers after. */
function stall(ms: number): number {
  const start = performance.now();
  while (performance.now() - start < ms) {
    // busy
  }
  return ms;
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { op: string; ms?: number };
  if (command.op === 'stats') console.log(JSON.stringify(stats()));
  else if (command.op === 'stall') console.log(JSON.stringify({ stalledMs: stall(command.ms ?? 0) }));
  else console.log(JSON.stringify({ error: `unknown op ${command.op}` }));
}
await server.close({ drainMs: 0 });
process.exit(0);
