import { Client, type ClientOptions, type RoomConnection } from 'vehikill-net/client';
import { WebSocket } from 'ws';
import type { LoadOptions } from './load-options.js';

/** Counters the progress line and the summary read; updated as the run goes. */
export interface LoadStats {
  connected: number;
  seated: number;
  /** Players that followed a redirect (or failover) to another node. */
  moved: number;
  sent: number;
  /** Own chat lines heard back through the room, and their round trips (ms). */
  echoed: number;
  roundTrips: number[];
  /** Players that were tried and not seated, by the code their connect, create or join failed with. */
  errors: Map<string, number>;
  /** Rooms whose creation failed (their creator is counted in `errors`)... */
  roomsFailed: number;
  /** ...and their other players, who were never tried, having no room to join. */
  notTried: number;
  /** Chat lines whose send threw, by code (these players were seated). */
  sendErrors: Map<string, number>;
  /** Players seated per node id. */
  byNode: Map<string, number>;
}

export function newStats(): LoadStats {
  return {
    connected: 0,
    seated: 0,
    moved: 0,
    sent: 0,
    echoed: 0,
    roundTrips: [],
    errors: new Map(),
    roomsFailed: 0,
    notTried: 0,
    sendErrors: new Map(),
    byNode: new Map(),
  };
}

/** What runLoad uses of a client: a `Client` in a real run, a stand-in in tests. */
export type LoadClient = Pick<Client, 'connect' | 'create' | 'join' | 'close' | 'on'>;

/**
 * Drives `rooms` x `players` headless clients: the first player of each room creates it, the others join
 * it by id (through any node: redirects are followed), then everyone sends chat lines for `seconds` and
 * times their echo. Bounded: it ends by itself and closes every client.
 */
export async function runLoad(
  options: LoadOptions,
  stats: LoadStats,
  makeClient: (clientOptions: ClientOptions) => LoadClient = (clientOptions) => new Client(clientOptions),
): Promise<void> {
  const clients: LoadClient[] = [];
  const rooms: RoomConnection[] = [];
  const failed = (error: unknown, counts = stats.errors) => {
    const code = errorCode(error);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  };
  let next = 0;
  const newClient = () => {
    const index = next++;
    const client = makeClient({
      url: options.urls[index % options.urls.length] as string,
      fallbackUrls: options.urls,
      name: `load-${index}`,
      WebSocket,
      serverLink: 'off',
      maxReconnectAttempts: 10,
    });
    client.on('moved', () => stats.moved++);
    clients.push(client);
    return client;
  };
  const seat = (room: RoomConnection) => {
    stats.seated++;
    stats.byNode.set(room.info.nodeId, (stats.byNode.get(room.info.nodeId) ?? 0) + 1);
    rooms.push(room);
  };
  // Rooms one after another in parallel lanes, each room's players at once; and every handshake (a
  // connect and its create or join) takes one of `concurrency` slots, so that no more are ever in flight,
  // also when a room has more players than that.
  const handshake = slots(options.concurrency);
  const roomIndexes = Array.from({ length: options.rooms }, (_, i) => i);
  const lanes = Math.max(1, Math.floor(options.concurrency / options.players));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let roomIndex = roomIndexes.shift(); roomIndex !== undefined; roomIndex = roomIndexes.shift()) {
        let room: RoomConnection;
        try {
          room = await handshake(async () => {
            const host = newClient();
            await host.connect();
            stats.connected++;
            return host.create(options.type);
          });
        } catch (error) {
          failed(error);
          stats.roomsFailed++;
          stats.notTried += options.players - 1;
          continue;
        }
        seat(room);
        await Promise.all(
          Array.from({ length: options.players - 1 }, () =>
            handshake(async () => {
              const player = newClient();
              try {
                await player.connect();
                stats.connected++;
                seat(await player.join(room.roomId));
              } catch (error) {
                failed(error);
              }
            }),
          ),
        );
      }
    }),
  );
  const sentAt = new Map<string, number>();
  for (const room of rooms) {
    room.onMessage('chat', (data) => {
      const line = data as { from?: string; text?: string };
      const started = line.text === undefined ? undefined : sentAt.get(line.text);
      if (line.from !== room.selfId || started === undefined) return;
      sentAt.delete(line.text as string);
      stats.echoed++;
      stats.roundTrips.push(performance.now() - started);
    });
  }
  let line = 0;
  const timers = rooms.map((room, i) =>
    setInterval(() => {
      if (room.left) return;
      const text = `load ${i} ${line++}`;
      sentAt.set(text, performance.now());
      try {
        room.send('chat', { text });
        stats.sent++;
      } catch (error) {
        failed(error, stats.sendErrors);
      }
    }, options.intervalMs),
  );
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1_000));
  for (const timer of timers) clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last echoes
  for (const client of clients) client.close();
}

/** An error's code as the client gave it (e.g. NODE_UNREACHABLE, RATE_LIMITED), or else its message. */
function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** How many of `counts` in all. */
export function countOf(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

/** `CODE xN, ...`, the most frequent first, or `none`. */
function byCode(counts: ReadonlyMap<string, number>): string {
  const entries = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([code, n]) => `${code} x${n}`).join(', ');
}

/**
 * The summary printed at the end. Every player is in one of its first three lines: seated, failed (with
 * the codes), or not tried because their room's creation failed.
 */
export function summaryLines(options: LoadOptions, stats: LoadStats): string[] {
  const total = options.rooms * options.players;
  const failedCount = countOf(stats.errors);
  const ms = (p: number) => `${percentile(stats.roundTrips, p).toFixed(1)} ms`;
  const sendErrors = countOf(stats.sendErrors);
  const rooms = `${stats.roomsFailed} room${stats.roomsFailed === 1 ? '' : 's'}`;
  return [
    `  target        ${options.urls.join(', ')}`,
    `  rooms         ${options.rooms} x ${options.players} players of '${options.type}'`,
    `  seated        ${stats.seated}/${total} (${stats.moved} moved to another node)`,
    `  failed        ${failedCount === 0 ? 'none' : `${failedCount} (${byCode(stats.errors)})`}`,
    `  not tried     ${stats.notTried === 0 ? 'none' : `${stats.notTried} (joiners of ${rooms} whose creation failed)`}`,
    `  per node      ${[...stats.byNode].map(([node, n]) => `${node}: ${n}`).join(', ') || '-'}`,
    `  chat lines    ${stats.sent} sent, ${stats.echoed} echoed back` +
      (sendErrors === 0 ? '' : `, ${sendErrors} sends failed (${byCode(stats.sendErrors)})`),
    `  round trip    p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}, max ${ms(100)}`,
    // The usual cause: the loadtest cannot know how many seats the server gives the type.
    ...(stats.errors.has('ROOM_FULL')
      ? [
          `  hint          ROOM_FULL: '${options.type}' rooms may seat fewer than --players ${options.players}; ` +
            'lower it to what the type seats',
        ]
      : []),
  ];
}

/** Runs tasks with at most `count` of them in progress; the others wait their turn, first come first served. */
function slots(count: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = count;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, if any.
      const next = waiting.shift();
      if (next === undefined) free++;
      else next();
    }
  };
}

/** The p-th percentile (0..100) of `values`, or NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
