import { Redis } from 'ioredis';
import type { Client } from 'vehikill-net/client';
import { RedisRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis.js';
import { sleep, startServer, type TestServer } from '../support/server.js';
import { sampleListing as listing, sampleNode as node } from '../unit/server/registry-contract.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * What a player, an operator or an attacker could do to a cluster through the Redis registry: a listing
 * Redis cannot decode (a string cut inside an emoji), and listings that read every room of the cluster.
 */
let redis: RedisServer | undefined;
let servers: TestServer[] = [];
let registries: RedisRegistry[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  await Promise.all(registries.map((registry) => registry.close()));
  registries = [];
  await redis?.stop();
  redis = undefined;
  starting = undefined;
});

let starting: Promise<RedisServer> | undefined;
async function connect(keyPrefix: string): Promise<RedisRegistry> {
  // Concurrent callers share one server.
  starting ??= startRedis();
  redis = await starting;
  const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix });
  registries.push(registry);
  return registry;
}

/** `count` rooms of 8 seats on a live node 'node-far', each with the seats taken and lock `shape` gives. */
async function addFarRooms(
  registry: RedisRegistry,
  count: number,
  shape: (index: number) => { seats: number; locked: boolean },
): Promise<void> {
  await registry.heartbeat(node('node-far'), 600_000);
  for (let from = 0; from < count; from += 500) {
    const adds: Promise<boolean>[] = [];
    for (let i = from; i < Math.min(count, from + 500); i++) {
      const { seats, locked } = shape(i);
      const players = Array.from({ length: seats }, (_, seat) => `p${i}-${seat}`);
      const room = listing(`room${i + 1}`, {
        type: 'test',
        nodeId: 'node-far',
        maxClients: 8,
        locked,
        metadata: { mode: 'ffa' },
      });
      adds.push(registry.addRoom(room, players));
    }
    await Promise.all(adds);
  }
}

/** "Café \ud83d": a title cut inside an emoji (what `name.slice(0, n)` does to "Café 😀"). */
const CUT_TITLE = 'Café 😀'.slice(0, 6);

describe('a listing Redis cjson cannot decode', () => {
  it("one room whose metadata ends inside an emoji stops every node's heartbeat once its node has left", async () => {
    const [a, b] = await Promise.all([connect('poison:'), connect('poison:')]);
    await a.heartbeat(node('node-a'), 60_000);
    await b.heartbeat(node('node-b'), 60_000);
    await b.addRoom(listing('room1', { nodeId: 'node-b' }));
    // Node a adds the room (the script writes the listing, then fails decoding it), then shuts down cleanly.
    await a.addRoom(listing('room2', { nodeId: 'node-a', metadata: { title: CUT_TITLE } })).catch(() => {});
    await a.removeNode('node-a').catch(() => {});
    // Every later sweep trips over the same listing: node b can no longer heartbeat, so after its ttl it
    // counts as dead and its rooms leave the listing too: the whole cluster is gone from the lobby.
    await expect(b.heartbeat(node('node-b'), 60_000)).resolves.toBe(true);
    expect((await b.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
  });

  it('a node that crashed with such a room (its heartbeat expired) does the same to every other node', async () => {
    const [a, b] = await Promise.all([connect('poison2:'), connect('poison2:')]);
    await a.heartbeat(node('node-a'), 300);
    await b.heartbeat(node('node-b'), 60_000);
    await a.addRoom(listing('room2', { nodeId: 'node-a', metadata: { title: CUT_TITLE } })).catch(() => {});
    await sleep(500); // node a died without a word
    await expect(b.heartbeat(node('node-b'), 60_000)).resolves.toBe(true);
  });

  it("a player's room title that ends inside an emoji takes every node's rooms out of the listing once its node shuts down", async () => {
    const options = async (nodeId: string) => ({
      registry: await connect('e2e:'),
      nodeId,
      nodeTtlMs: 900,
    });
    const nodeA = await startServer({ test: TestRoom }, await options('node-a'));
    const nodeB = await startServer({ test: TestRoom }, await options('node-b'));
    servers.push(nodeA, nodeB);
    const host = nodeB.client();
    await host.connect();
    const room = await host.create('test');
    // Any client can do this: @msgpack/msgpack encodes a lone surrogate as CESU-8 bytes and the server's
    // decoder gives the lone surrogate back; TestRoom puts `mode` in the room's metadata.
    const player = nodeA.client();
    await player.connect();
    await player.create('test', { options: { mode: CUT_TITLE } }).catch(() => {});
    await nodeA.close(); // a deploy: node a leaves the cluster
    await sleep(2_000); // a couple of node b's heartbeats (every 300 ms, ttl 900 ms)
    const lobby: Client = nodeB.client();
    await lobby.connect();
    expect((await lobby.listRooms({ type: 'test' })).map((listed) => listed.roomId)).toContain(room.roomId);
  }, 20_000);
});

describe('what one listing costs Redis', () => {
  it('a listing with a filter nothing matches reads a bounded number of rooms (maxRoomsListed), not every open room', async () => {
    const registry = await connect('cost:');
    const server = await startServer({ test: TestRoom }, { registry, nodeId: 'node-a', maxRoomsListed: 20 });
    servers.push(server);
    // 2,000 open rooms of another live node.
    await addFarRooms(registry, 2_000, () => ({ seats: 0, locked: false }));
    const admin = new Redis((redis as RedisServer).url);
    const gets = async () =>
      Number(/cmdstat_get:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
    const client = server.client();
    await client.connect();
    const before = await gets();
    // Any guest may send this, 120 times a second (the default rate limit).
    expect(await client.listRooms({ type: 'test', filter: { mode: 'nowhere' } })).toEqual([]);
    const read = (await gets()) - before;
    admin.disconnect();
    // A listing with a limit looks at no more than ten times as many rooms, and at least 256. A few more
    // GETs fall in the window: each heartbeat of the node reads the index marker (ensureIndexes), and a
    // loaded machine stretches the window over several (it saw 259). Reading every room would be 2,000.
    expect(read).toBeLessThanOrEqual(256 + 8);
  }, 30_000);

  it("a hundred guests' listings do not keep a player on the same node from creating a room", async () => {
    const registry = await connect('burst:');
    const server = await startServer({ test: TestRoom }, { registry, nodeId: 'node-a' });
    servers.push(server);
    // 10,000 rooms of another live node, a fifth of them open (as in bench/workloads/registry-scale.ts).
    await addFarRooms(registry, 10_000, (i) => ({
      seats: i % 10 < 5 ? 8 : 4,
      locked: i % 10 >= 5 && i % 10 < 8,
    }));
    const player = server.client();
    await player.connect();
    // 100 guests (under the 256 connections one address may hold), each asking twice in a row: a filter
    // nothing matches makes each listing read all 10,000 rooms (about 45 ms of Redis), and this node's one
    // Redis connection queues them ahead of everything else the node asks.
    const guests = Array.from({ length: 100 }, () => server.client());
    await Promise.all(guests.map((guest) => guest.connect()));
    const burst = guests.flatMap((guest) =>
      [0, 1].map(() =>
        guest.listRooms({ type: 'test', includeFull: true, filter: { mode: 'nowhere' } }).catch(() => []),
      ),
    );
    await sleep(100);
    const started = performance.now();
    const outcome = await player.create('test').then(
      () => 'joined',
      (error: { code?: string }) => error.code ?? String(error),
    );
    const took = performance.now() - started;
    await Promise.all(burst);
    expect({ outcome, slow: took > 2_000 }).toEqual({ outcome: 'joined', slow: false });
  }, 60_000);
});
