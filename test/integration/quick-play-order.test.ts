import type { Client } from 'vehikill-net/client';
import { MemoryRegistry, type QuickPlayOrder, RedisRegistry, type Registry, Room } from 'vehikill-net/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis.js';
import { connectedClient as connected, sleep, startServer, type TestServer } from '../support/server.js';

/** A room whose creator's options give its seats (8 by default) and rating (as a skill-based lobby would). */
class RatedRoom extends Room {
  override onCreate(options: unknown): void {
    const { rating, seats } = (options ?? {}) as { rating?: number; seats?: number };
    this.setMaxClients(seats ?? 8);
    if (rating !== undefined) this.setMetadata({ rating });
  }
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** What each test started, closed after it, the last first: servers before the registries they use. */
const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of started.splice(0).reverse()) await thing.close();
});

let prefixes = 0;
/** A registry the nodes of one test share: one MemoryRegistry, or connections to one Redis prefix. */
async function sharedRegistry(backend: 'memory' | 'Redis'): Promise<() => Promise<Registry>> {
  if (backend === 'memory') {
    const registry = new MemoryRegistry();
    return async () => registry;
  }
  const keyPrefix = `qp-order${prefixes++}:`;
  return async () => {
    const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix });
    started.push(registry);
    return registry;
  };
}

/** A node whose 'rated' rooms quick play takes in `order`. */
async function node(registry: Registry, nodeId: string, order: QuickPlayOrder): Promise<TestServer> {
  const server = await startServer(
    { rated: [RatedRoom, { quickPlayOrder: order }] },
    { registry, nodeId, guestSecret: 'a-secret-the-nodes-of-this-test-share!!', nodeTtlMs: 3_000 },
  );
  started.push(server);
  return server;
}

/** A 'rated' room created on `server` with `players` in it (its creator included), and its id. */
async function roomWith(
  server: TestServer,
  players: number,
  rating?: number,
  seats?: number,
): Promise<string> {
  const creator = await connected(server);
  const room = await creator.create('rated', { options: { rating, seats } });
  const others: Client[] = await Promise.all(Array.from({ length: players - 1 }, () => connected(server)));
  for (const other of others) await other.join(room.roomId);
  return room.roomId;
}

describe.each(['memory', 'Redis'] as const)(
  'quick play in the order a room type was defined with (%s)',
  (backend) => {
    it('seats the player in the fullest room, or the emptiest, not the oldest', async () => {
      for (const order of ['fullest', 'emptiest'] as const) {
        const server = await node(await (await sharedRegistry(backend))(), `node-${order}`, order);
        await roomWith(server, 2);
        const fullest = await roomWith(server, 5);
        const emptiest = await roomWith(server, 1);
        await roomWith(server, 3);
        const player = await connected(server);
        const room = await player.quickPlay('rated');
        expect(room.roomId).toBe(order === 'fullest' ? fullest : emptiest);
      }
    });

    it('seats the player by a metadata number, either way, rooms without one last', async () => {
      for (const order of ['ascending', 'descending'] as const) {
        const server = await node(await (await sharedRegistry(backend))(), `node-${order}`, {
          metadata: 'rating',
          order,
        });
        const unrated = await roomWith(server, 1, undefined, 2);
        const mid = await roomWith(server, 1, 1200, 2);
        const low = await roomWith(server, 1, 800, 2);
        const high = await roomWith(server, 1, 1600, 2);
        // Rooms of 2 seats with 1 player each: each quick play fills the first room left in the order.
        const seated: string[] = [];
        for (let i = 0; i < 4; i++) seated.push((await (await connected(server)).quickPlay('rated')).roomId);
        expect(seated).toEqual(order === 'ascending' ? [low, mid, high, unrated] : [high, mid, low, unrated]);
      }
    });

    it("honours the order over another node's rooms: the fullest room on B takes a quick play made on A", async () => {
      const registry = await sharedRegistry(backend);
      const a = await node(await registry(), 'node-a', 'fullest');
      const b = await node(await registry(), 'node-b', 'fullest');
      // A sends players only to a node it knows is alive: both have heartbeated.
      const nodes = await registry();
      while ((await nodes.listNodes()).length < 2) await sleep(20);
      await roomWith(a, 1);
      const fullestOnB = await roomWith(b, 3);
      await roomWith(a, 2);
      const player = await connected(a);
      const moved: string[] = [];
      player.on('moved', ({ url }) => moved.push(url));
      const room = await player.quickPlay('rated');
      expect(room.roomId).toBe(fullestOnB);
      expect(moved).toEqual([b.wsUrl]);
    });
  },
);
