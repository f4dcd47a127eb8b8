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
  errors: Map<string, number>;
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
  const failed = (error: unknown) => {
    const code =
      (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
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
        try {
          const room = await handshake(async () => {
            const host = newClient();
            await host.connect();
            stats.connected++;
            return host.create(options.type);
          });
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
        } catch (error) {
          failed(error);
        }
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
        failed(error);
      }
    }, options.intervalMs),
  );
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1_000));
  for (const timer of timers) clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last echoes
  for (const client of clients) client.close();
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
