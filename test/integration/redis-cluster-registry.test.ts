import { Cluster, Redis } from 'ioredis';
import { type ListingChange, RedisRegistry } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisClusterServer, startRedisCluster } from '../support/redis-cluster.js';
import { channelContract } from '../unit/server/registry-channel-contract.js';
import {
  crossNodeContract,
  registryContract,
  sampleListing,
  sampleNode,
  subscribed,
} from '../unit/server/registry-contract.js';

let cluster: RedisClusterServer;
let prefixes = 0;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

/** A registry that knows only one seed node (a different one per `seed`) and discovers the rest. */
const connect = (keyPrefix: string, seed = 0) =>
  RedisRegistry.connect({ clusterNodes: [cluster.nodes[seed % cluster.nodes.length]!], keyPrefix });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

registryContract('redis cluster', () => connect(`{contract${prefixes}}:`, prefixes++), { pass: sleep });

crossNodeContract('a Redis Cluster, each registry seeded with another node', () =>
  Promise.all([connect(`{pair${prefixes}}:`, 0), connect(`{pair${prefixes++}}:`, 1)]),
);

channelContract('a Redis Cluster, each registry seeded with another node', () =>
  Promise.all([connect(`{channels${prefixes}}:`, 0), connect(`{channels${prefixes++}}:`, 1)]),
);

const listing = sampleListing;

describe('Redis registry on a Redis Cluster (3 masters)', () => {
  it('refuses a key prefix without a hash tag, naming the fix', () => {
    expect(() => new RedisRegistry({ clusterNodes: cluster.nodes, keyPrefix: 'vk:' })).toThrow(
      /no hash tag.*'\{vk\}:'/,
    );
    expect(() => new RedisRegistry({ clusterNodes: [] })).toThrow(/clusterNodes is empty/);
  });

  it('keeps codes unique and delivers lobby updates between registries seeded with different nodes', async () => {
    const [a, b] = await Promise.all([connect('{lobby}:', 1), connect('{lobby}:', 2)]);
    const seen: ListingChange[] = [];
    b.subscribe((change) => seen.push(change));
    await subscribed(a, seen);
    const tries = await Promise.all([
      a.addRoom(listing('roomA', { private: true, code: 'SAMECODE' })),
      b.addRoom(listing('roomB', { private: true, code: 'SAMECODE', nodeId: 'node-b' })),
    ]);
    expect(tries.filter(Boolean)).toHaveLength(1);
    const winner = tries[0] ? 'roomA' : 'roomB';
    expect((await b.findByCode('SAMECODE'))?.roomId).toBe(winner);
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(10);
    expect(seen).toContainEqual({ change: 'added', roomId: winner });
    await Promise.all([a.close(), b.close()]);
  });

  it("keeps every key of one prefix on one node, so the scripts' several keys stay atomic", async () => {
    const registry = await connect('{slot}:', 0);
    await registry.heartbeat(sampleNode('n1'), 60_000);
    for (let i = 0; i < 6; i++) {
      await registry.addRoom(listing(`room${i}`, { nodeId: 'n1', private: true, code: `CODE${i}` }));
      await registry.reserveSeat(`room${i}`, 'p1');
    }
    await registry.addRoom(listing('open', { nodeId: 'n1' }));
    await registry.reserveSeat('open', 'p1');
    const admin = new Cluster([cluster.nodes[0]!]);
    await new Promise((resolve) => admin.once('ready', resolve));
    const perNode = await Promise.all(admin.nodes('master').map((node) => node.keys('{slot}:*')));
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toHaveLength(1);
    // rooms, nodes, node:n1, node-info, node-ttl, node-run, run-id, node-rooms:n1, indexed, unrecorded-kept,
    // last-beat; per private room its listing, seats and code; the public room's listing and seats, and the
    // public and open indexes it is in (all types, its type)
    expect(holding[0]).toHaveLength(11 + 6 * 3 + 2 + 2 + 2);
    admin.disconnect();
    await registry.close();
  });
});

describe('Redis registry on a Redis Cluster with replicas', () => {
  let replicated: RedisClusterServer;
  beforeAll(async () => {
    replicated = await startRedisCluster(3, 1);
  }, 30_000);
  afterAll(async () => {
    await replicated?.stop();
  });

  it("goes on after the master holding the registry's slot crashes and its replica takes over", async () => {
    const registry = await RedisRegistry.connect({
      clusterNodes: replicated.nodes,
      keyPrefix: '{failover}:',
    });
    // A lobby's watch, on another registry: what was published while its shard's subscription moved to
    // the new master is lost, so it must be told to list again.
    const watcher = await RedisRegistry.connect({ clusterNodes: replicated.nodes, keyPrefix: '{failover}:' });
    const changes: ListingChange[] = [];
    watcher.subscribe((change) => changes.push(change));
    await vi.waitFor(() => expect(changes).toContainEqual({ change: 'reset' }), { timeout: 5_000 });
    // A channel's subscription there is told of the gap the same way, and first of the loss (a node's
    // node_subscriptions_down gauge reads it).
    const news: string[] = [];
    await watcher.subscribeChannel(
      'news',
      (message) => news.push(message),
      () => news.push('gap'),
      () => news.push('down'),
    );
    await registry.addRoom(listing('room1'));
    expect(await registry.reserveSeat('room1', 'p1')).toBe(true);
    // The master of the slot, once its replica has the writes (replication is asynchronous).
    const port = await masterPortOf(replicated.nodes[0] as string, '{failover}:rooms');
    const master = new Redis(port, '127.0.0.1');
    expect(await master.wait(1, 2_000)).toBe(1);
    master.disconnect();

    await replicated.kill(port);
    const seenBeforeFailover = changes.length;
    // Nothing was published on the channel; its loss may be heard already ('down', as the killed master's
    // socket closes before the kill's own wait ends), its gap not before the replica takes over.
    expect(news.filter((word) => word !== 'down')).toEqual([]);
    // Until the replica is promoted calls fail with the registry's error; then they work, with the data.
    const deadline = Date.now() + 20_000;
    let room: Awaited<ReturnType<typeof registry.getRoom>>;
    for (;;) {
      try {
        room = await registry.getRoom('room1');
        break;
      } catch (error) {
        expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
    expect(room).toMatchObject({ roomId: 'room1', clients: 1 });
    expect(await registry.addRoom(listing('room2'))).toBe(true);
    expect((await registry.listRooms({})).map((listed) => listed.roomId)).toEqual(['room1', 'room2']);
    await vi.waitFor(() => expect(changes.slice(seenBeforeFailover)).toContainEqual({ change: 'reset' }), {
      timeout: 10_000,
    });
    // And it hears the changes made on the new master: as the change itself, or, should its subscription
    // move again meanwhile (a loaded machine's cluster may flap while it settles), as one more reset, after
    // which a lobby lists again and finds the room.
    const beforeRoom3 = changes.length;
    await registry.addRoom(listing('room3'));
    await vi.waitFor(
      () =>
        expect(
          changes
            .slice(beforeRoom3)
            .some(
              (change) =>
                change.change === 'reset' || (change.change === 'added' && change.roomId === 'room3'),
            ),
        ).toBe(true),
      { timeout: 10_000 },
    );
    expect((await watcher.listRooms({})).map((listed) => listed.roomId)).toContain('room3');
    await vi.waitFor(() => expect(news).toContain('gap'), { timeout: 10_000 });
    // Heard on the new master. A message published while the subscription moves once more (the cluster
    // may flap as it settles) comes as one more gap, as a change does above: published again until heard.
    await vi.waitFor(
      async () => {
        if (!news.includes('after the failover')) {
          expect(await registry.publish('news', 'after the failover')).toBe(1);
        }
        expect(news).toContain('after the failover');
      },
      { timeout: 10_000, interval: 500 },
    );
    expect(new Set(news)).toEqual(new Set(['down', 'gap', 'after the failover']));
    // Down, then back: the last word before the message is a gap, so the gauge ends at 0.
    expect(news.lastIndexOf('gap')).toBeGreaterThan(news.lastIndexOf('down'));
    expect(news.indexOf('down')).toBeLessThan(news.indexOf('gap'));
    await watcher.close();
    await registry.close();
  }, 40_000);
});

/** The port of the master serving `key`'s slot, asked of the node at `seed` (CLUSTER SLOTS). */
async function masterPortOf(seed: string, key: string): Promise<number> {
  const admin = new Redis(seed);
  const slot = (await admin.cluster('KEYSLOT', key)) as number;
  const ranges = (await admin.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
  admin.disconnect();
  const range = ranges.find(([first, last]) => first <= slot && slot <= last);
  if (range === undefined) throw new Error(`no node serves slot ${slot}`);
  return range[2][1];
}
