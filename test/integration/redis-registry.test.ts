import { type NodeInfo, RedisRegistry, type RoomListing } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis.js';
import { registryContract } from '../unit/server/registry-contract.js';

let redis: RedisServer;
let prefixes = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const connect = (keyPrefix: string) => RedisRegistry.connect({ url: redis.url, keyPrefix });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

registryContract('redis', () => connect(`contract${prefixes++}:`), { pass: sleep });

const listing = (roomId: string, extra: Partial<RoomListing> = {}): RoomListing => ({
  roomId,
  type: 'arena',
  private: false,
  clients: 0,
  maxClients: 4,
  metadata: {},
  nodeId: 'node-a',
  locked: false,
  createdAt: 1,
  ...extra,
});
const node = (nodeId: string): NodeInfo => ({ nodeId, url: `ws://127.0.0.1:1/${nodeId}`, draining: false });

describe('Redis registry across nodes (two connections sharing one Redis)', () => {
  it('reserves seats atomically across nodes: 30 racing reservations on 5 seats admit exactly 5', async () => {
    const [a, b] = await Promise.all([connect('race:'), connect('race:')]);
    await a.addRoom(listing('room1', { maxClients: 5 }));
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).reserveSeat('room1', `p${i}`)),
    );
    expect(results.filter(Boolean)).toHaveLength(5);
    expect((await b.getRoom('room1'))?.clients).toBe(5);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps private codes unique across nodes, and shows each node the other rooms', async () => {
    const [a, b] = await Promise.all([connect('codes:'), connect('codes:')]);
    const tries = await Promise.all([
      a.addRoom(listing('roomA', { private: true, code: 'SAMECODE' })),
      b.addRoom(listing('roomB', { private: true, code: 'SAMECODE', nodeId: 'node-b' })),
    ]);
    expect(tries.filter(Boolean)).toHaveLength(1);
    const winner = tries[0] ? 'roomA' : 'roomB';
    expect((await a.findByCode('SAMECODE'))?.roomId).toBe(winner);
    expect((await b.findByCode('SAMECODE'))?.roomId).toBe(winner);
    await Promise.all([a.close(), b.close()]);
  });

  it('a node that stops heartbeating disappears with its rooms, and the other node is told', async () => {
    const [a, b] = await Promise.all([connect('expiry:'), connect('expiry:')]);
    const removed: string[] = [];
    b.subscribe((change) => {
      if (change.change === 'removed') removed.push(change.roomId);
    });
    await a.heartbeat(node('node-a'), 300);
    await b.heartbeat(node('node-b'), 60_000);
    await a.addRoom(listing('roomA'));
    await a.close(); // node a is gone without a word
    await sleep(500);
    await b.heartbeat(node('node-b'), 60_000);
    expect(await b.listRooms({})).toEqual([]);
    for (let i = 0; i < 100 && removed.length === 0; i++) await sleep(10);
    expect(removed).toEqual(['roomA']);
    await b.close();
  });

  it('fails with REGISTRY_UNAVAILABLE while Redis is down and works again once it is back', async () => {
    const registry = await connect('outage:');
    await redis.stop();
    await expect(registry.listRooms({})).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await redis.restart();
    await registry.ready(5_000);
    expect(await registry.addRoom(listing('room1'))).toBe(true);
    expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
    await registry.close();
  });
});
