import type { ClientOptions, RoomConnection } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../../bench/loadtest/load-options.js';
import { type LoadClient, newStats, runLoad } from '../../../bench/loadtest/loadtest.js';

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
});
