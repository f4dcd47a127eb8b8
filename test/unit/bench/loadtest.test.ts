import type { ClientOptions, RoomConnection } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../../bench/loadtest/load-options.js';
import {
  countOf,
  type LoadClient,
  newStats,
  runLoad,
  summaryLines,
} from '../../../bench/loadtest/loadtest.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

/**
 * Stand-ins for the load's clients that count the handshakes in flight (from `connect()` until the
 * create or join settles) and fail the creates and joins they are told to.
 */
class FakeServer {
  inFlight = 0;
  maxInFlight = 0;
  creates = 0;
  joins = 0;
  /** The nth create (from 1) fails with this code. */
  failCreate = new Map<number, string>();
  failJoin = new Map<number, string>();

  client = (options: ClientOptions): LoadClient => {
    const server = this;
    const name = options.name as string;
    const settle = () => server.inFlight--;
    const room = (roomId: string) =>
      ({
        roomId,
        selfId: name,
        left: false,
        info: { nodeId: 'node-1', roomId },
        onMessage: () => () => {},
        send: () => {},
      }) as unknown as RoomConnection;
    return {
      async connect() {
        server.inFlight++;
        server.maxInFlight = Math.max(server.maxInFlight, server.inFlight);
        await tick();
      },
      async create() {
        await tick();
        settle();
        const code = server.failCreate.get(++server.creates);
        if (code !== undefined) throw Object.assign(new Error(code), { code });
        return room(`room-${server.creates}`);
      },
      async join(roomId: string) {
        await tick();
        settle();
        const code = server.failJoin.get(++server.joins);
        if (code !== undefined) throw Object.assign(new Error(code), { code });
        return room(roomId);
      },
      close() {},
      on: () => () => {},
    } as unknown as LoadClient;
  };
}

const options = (rooms: number, players: number, concurrency: number): LoadOptions => ({
  urls: ['ws://127.0.0.1:1/ws'],
  rooms,
  players,
  type: 'chat',
  seconds: 0.01,
  intervalMs: 50,
  concurrency,
});

describe('npm run loadtest: the load', () => {
  it.each([
    [2, 12, 4],
    [3, 5, 5],
    [4, 3, 7],
    [1, 64, 1],
  ])(
    'holds %i rooms of %i players to --concurrency %i handshakes at once',
    async (rooms, players, concurrency) => {
      const server = new FakeServer();
      const stats = newStats();
      await runLoad(options(rooms, players, concurrency), stats, server.client);
      expect(stats.seated).toBe(rooms * players);
      expect(server.maxInFlight).toBeGreaterThan(0);
      expect(server.maxInFlight).toBeLessThanOrEqual(concurrency);
    },
  );

  it('accounts for every player: seated, failed with a code, or not tried because their room failed', async () => {
    const server = new FakeServer();
    server.failCreate.set(2, 'INTERNAL_ERROR');
    server.failJoin.set(1, 'NODE_UNREACHABLE');
    const stats = newStats();
    const load = options(3, 4, 50);
    await runLoad(load, stats, server.client);

    expect(stats.seated).toBe(7);
    expect(Object.fromEntries(stats.errors)).toEqual({ INTERNAL_ERROR: 1, NODE_UNREACHABLE: 1 });
    expect(stats.notTried).toBe(3);
    expect(stats.seated + countOf(stats.errors) + stats.notTried).toBe(load.rooms * load.players);
    const summary = summaryLines(load, stats).join('\n');
    expect(summary).toMatch(/seated +7\/12/);
    expect(summary).toMatch(/failed +2 \(INTERNAL_ERROR x1, NODE_UNREACHABLE x1\)/);
    expect(summary).toMatch(/not tried +3 \(joiners of 1 room whose creation failed\)/);
  });

  it('shows none failed and none left untried when all are seated', async () => {
    const stats = newStats();
    const load = options(2, 3, 50);
    await runLoad(load, stats, new FakeServer().client);
    const summary = summaryLines(load, stats).join('\n');
    expect(summary).toMatch(/seated +6\/6/);
    expect(summary).toMatch(/failed +none/);
    expect(summary).toMatch(/not tried +none/);
  });

  it('says what ROOM_FULL most likely means: more --players than the room type seats', async () => {
    const server = new FakeServer();
    server.failJoin.set(3, 'ROOM_FULL');
    const stats = newStats();
    const load = options(1, 4, 50);
    await runLoad(load, stats, server.client);
    const summary = summaryLines(load, stats);
    expect(summary.join('\n')).toMatch(/failed +1 \(ROOM_FULL x1\)/);
    expect(summary).toContain(
      "  hint          ROOM_FULL: 'chat' rooms may seat fewer than --players 4; lower it to what the type seats",
    );
    expect(summaryLines(options(2, 3, 50), newStats()).join('\n')).not.toMatch(/hint/);
  });
});
