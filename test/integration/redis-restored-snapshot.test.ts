import { Redis } from 'ioredis';
import { RedisRegistry } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { connectedClient as connected, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { sampleListing, sampleNode } from '../unit/server/registry-contract.js';
import { TestRoom } from './rooms-fixtures.js';

const redis = useRedis();

/** A node's registry that counts the adds it refused (a room's private code held by another room). */
class CountingRegistry extends RedisRegistry {
  refusedAdds = 0;
  override async addRoom(...args: Parameters<RedisRegistry['addRoom']>): Promise<boolean> {
    const added = await super.addRoom(...args);
    if (!added) this.refusedAdds++;
    return added;
  }
}

/** Every key under `from` as DUMP gives it, with the time it has left (ms; 0: none), renamed under `to`. */
async function dumpAs(from: string, to: string): Promise<Array<[string, Buffer, number]>> {
  const admin = new Redis(redis.url);
  const keys = await admin.keys(`${from}*`);
  const dumped = await Promise.all(
    keys.map(async (key): Promise<[string, Buffer, number]> => {
      const left = await admin.pttl(key);
      return [to + key.slice(from.length), await admin.dumpBuffer(key), Math.max(0, left)];
    }),
  );
  await admin.quit();
  return dumped;
}

describe('a node whose Redis restarted from an older dataset', () => {
  it('lists its private room again once the room that dataset gave its code to is gone', async () => {
    const prefix = 'restored:';
    // Node a reaches Redis through a proxy, so that it can be kept away while Redis restarts.
    const proxy = new TcpProxy(redis.port);
    await proxy.listen();
    const registry = new CountingRegistry({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: prefix });
    await registry.ready();
    const observer = await RedisRegistry.connect({ url: redis.url, keyPrefix: prefix });
    let a: TestServer | undefined;
    try {
      a = await startServer({ test: TestRoom }, { registry, nodeId: 'node-a', nodeTtlMs: 600 });
      const alice = await connected(a);
      const room = await alice.create('test', { private: true });
      const code = room.info.code ?? '';
      expect(code).not.toBe('');

      // The snapshot Redis comes back from: older than the room, it holds node b's room 'old1' under that
      // code (it ended since, and node a's room drew the code again). Built aside, then renamed in.
      const older = await RedisRegistry.connect({ url: redis.url, keyPrefix: 'older:' });
      await older.heartbeat(sampleNode('node-b'), 60_000);
      await older.addRoom(sampleListing('old1', { nodeId: 'node-b', private: true, code }));
      await older.close();
      const snapshot = await dumpAs('older:', prefix);

      proxy.block();
      await redis.restart();
      const restore = new Redis(redis.url);
      for (const [key, value, left] of snapshot) await restore.restore(key, left, value);
      await restore.quit();
      proxy.unblock();

      // Node a comes back, is not known there, and writes its room again: refused, the code is old1's.
      await expect.poll(() => registry.refusedAdds, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await observer.getRoom(room.roomId)).toBeUndefined();
      expect((await observer.findByCode(code))?.roomId).toBe('old1');

      // Node b comes back: what the dataset listed under it is its to write again, and old1 is no more.
      await observer.heartbeat(sampleNode('node-b'), 60_000, true);
      // (Node a's next write may already have landed: the code is then its room's.)
      expect((await observer.findByCode(code))?.roomId).not.toBe('old1');
      // Node a's next heartbeats write its room again, until it is listed; its code finds it.
      await expect
        .poll(async () => (await observer.findByCode(code))?.roomId, { timeout: 5_000 })
        .toBe(room.roomId);
      const bob = await connected(a);
      expect((await bob.joinByCode(code)).roomId).toBe(room.roomId);
    } finally {
      await a?.close();
      await Promise.all([registry.close(), observer.close(), proxy.close()]);
    }
  });
});
