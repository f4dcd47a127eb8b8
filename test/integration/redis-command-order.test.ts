import { RedisRegistry } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { sampleListing as listing, sampleNode as node } from '../unit/server/registry-contract.js';

// The room manager counts on the registry applying its calls in the order it makes them (one connection
// keeps commands in order): a seat given back and then asked for again must find it free. A script run
// for the first time on a Redis that does not hold it yet (a fresh one, one restarted or failed over)
// must keep that order too.

const redis = useRedis();

describe('the Redis registry keeps the order of its calls', () => {
  it('a seat released, then reserved, on the release script first use: the reservation finds it free', async () => {
    const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: 'order:' });
    try {
      await registry.heartbeat(node('node-a'), 60_000);
      // Full: two seats of two, taken by reservations (the reserve script is loaded by now; the release
      // script has never run on this Redis).
      await registry.addRoom(listing('room1', { nodeId: 'node-a', maxClients: 2 }), []);
      expect(await registry.reserveSeat('room1', 'p1')).toBe(true);
      expect(await registry.reserveSeat('room1', 'p2')).toBe(true);
      // The room manager gives a seat back without waiting, and the next join asks for one at once.
      const released = registry.releaseSeat('room1', 'p1');
      const reserved = registry.reserveSeat('room1', 'p3');
      await released;
      expect(await reserved).toBe(true);
    } finally {
      await registry.close();
    }
  });
});
