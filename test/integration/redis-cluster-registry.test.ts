import { Cluster } from 'ioredis';
import { type ListingChange, RedisRegistry } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterServer, startRedisCluster } from '../support/redis-cluster.js';
import { crossNodeContract, registryContract, sampleListing } from '../unit/server/registry-contract.js';

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
    await sleep(200); // the subscription is asynchronous
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
    await registry.heartbeat({ nodeId: 'n1', url: 'ws://127.0.0.1:1/n1', draining: false }, 60_000);
    for (let i = 0; i < 6; i++) {
      await registry.addRoom(listing(`room${i}`, { nodeId: 'n1', private: true, code: `CODE${i}` }));
      await registry.reserveSeat(`room${i}`, 'p1');
    }
    const admin = new Cluster([cluster.nodes[0]!]);
    await new Promise((resolve) => admin.once('ready', resolve));
    const perNode = await Promise.all(admin.nodes('master').map((node) => node.keys('{slot}:*')));
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toHaveLength(1);
    // rooms, nodes, node:n1, node-rooms:n1, and per room its listing, seats and code
    expect(holding[0]).toHaveLength(4 + 6 * 3);
    admin.disconnect();
    await registry.close();
  });
});
