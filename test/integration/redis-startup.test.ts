/**
 * How a node connects to one Redis: a URL it cannot use is refused naming it, a Redis it cannot reach
 * fails naming the address and the cause, and a failure after start says so in plain words.
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { RedisRegistry, registryFromEnvironment } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/coturn.js';
import { useRedis } from '../support/redis.js';

const redis = useRedis();

/** What `promise` rejects with (it must reject) and how long that took. */
async function failure(promise: Promise<unknown>): Promise<{ error: Error & { code?: string }; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as Error & { code?: string }, ms: Date.now() - started };
  }
  throw new Error('it did not fail');
}

describe('RedisRegistry.connect with a database in the URL', () => {
  it('uses the database the URL names', async () => {
    const registry = await RedisRegistry.connect({ url: `${redis.url}/3`, keyPrefix: 'db3:' });
    await registry.heartbeat({ nodeId: 'n1', url: 'ws://n1/ws', draining: false, bootId: 'b1' }, 60_000);
    const admin = new Redis(`${redis.url}/3`);
    expect(await admin.sismember('db3:nodes', 'n1')).toBe(1);
    admin.disconnect();
    await registry.close();
  });

  it('refuses a database Redis does not have, naming the URL and the cause, instead of using database 0', async () => {
    const url = `${redis.url}/99`;
    const { error, ms } = await failure(RedisRegistry.connect({ url }, 3_000));
    expect(error.message).toContain(`Redis at ${url}: SELECT 99 failed: ERR DB index is out of range`);
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    // Known as soon as Redis answers the SELECT, not after the timeout.
    expect(ms).toBeLessThan(2_000);
  });

  it('refuses a database that is not a whole number before connecting', async () => {
    for (const url of [`${redis.url}/abc`, `${redis.url}/1abc`, `${redis.url}/-1`, `${redis.url}?db=x`]) {
      const { error, ms } = await failure(RedisRegistry.connect({ url }));
      expect(error, url).toBeInstanceOf(TypeError);
      expect(error.message, url).toContain('database must be a whole number');
      expect(error.message, url).toContain(url);
      expect(ms, url).toBeLessThan(500);
    }
  });
});

describe('RedisRegistry.connect with a URL it cannot use', () => {
  it('refuses a URL that is not redis:// or rediss:// at once, naming it', async () => {
    for (const url of [
      'notaurl',
      'http://127.0.0.1:6379',
      'redis://',
      'redis://127.0.0.1:99999',
      '127.0.0.1:6379',
    ]) {
      const { error, ms } = await failure(RedisRegistry.connect({ url }));
      expect(error, url).toBeInstanceOf(TypeError);
      expect(error.message, url).toContain(JSON.stringify(url));
      expect(ms, url).toBeLessThan(500);
    }
  });

  it('never puts the password of a refused URL in the message', async () => {
    const { error } = await failure(RedisRegistry.connect({ url: 'redis://:s3cret@127.0.0.1:6379/abc' }));
    expect(error.message).toContain('redis://:***@127.0.0.1:6379/abc');
    expect(error.message).not.toContain('s3cret');
    const unparsable = await failure(RedisRegistry.connect({ url: 'redis://:s3cret@127.0.0.1:99999' }));
    expect(unparsable.error.message).toContain('redis://***@127.0.0.1:99999');
    expect(unparsable.error.message).not.toContain('s3cret');
  });
});

describe('RedisRegistry.connect to a Redis it cannot reach', () => {
  it('names the URL (without its password) and the last connection error', async () => {
    const port = await freePort(); // nothing listens there
    const { error } = await failure(RedisRegistry.connect({ url: `redis://:s3cret@127.0.0.1:${port}` }, 600));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toContain(`Redis at redis://:***@127.0.0.1:${port}`);
    expect(error.message).toMatch(/; last error: connect ECONNREFUSED/);
    expect(error.message).not.toContain('s3cret');
  });

  it('names the URL when rediss:// meets a Redis without TLS', async () => {
    // The TLS handshake never ends (Redis waits for the end of a line that does not come): no error.
    const url = `rediss://127.0.0.1:${redis.port}`;
    const { error } = await failure(RedisRegistry.connect({ url }, 1_000));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toMatch(
      new RegExp(`^Redis at ${url} did not answer within 1000 ms; (last error: \\S+|not connected yet)`),
    );
    // Nothing says what is wrong, so the message names the likely cause.
    expect(error.message).toMatch(
      /; is TLS on at that Redis\? rediss:\/\/ asks for TLS, redis:\/\/ for none$/,
    );
  });

  it('says when Redis accepted the connection but never answered', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const { error } = await failure(RedisRegistry.connect({ url: `redis://127.0.0.1:${port}` }, 500));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toBe(
      `Redis at redis://127.0.0.1:${port} did not answer within 500 ms; connected, but no reply came`,
    );
    silent.close();
  });
});

describe('RedisRegistry.connect to cluster seed nodes that are no cluster', () => {
  it('says so at once, rather than that Redis did not answer after the whole wait', async () => {
    // The start's wait (5 s) would end in "did not answer": this message comes from the first refusal.
    const { error } = await failure(RedisRegistry.connect({ clusterNodes: [`127.0.0.1:${redis.port}`] }));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toMatch(/answered, but is no Redis Cluster \(cluster support disabled\)/);
  });
});

describe('registryFromEnvironment', () => {
  it('names REDIS_URL when it cannot be used', async () => {
    for (const REDIS_URL of ['notaurl', 'redis://127.0.0.1:6379/abc']) {
      const { error } = await failure(registryFromEnvironment({ REDIS_URL }));
      expect(error, REDIS_URL).toBeInstanceOf(TypeError);
      expect(error.message, REDIS_URL).toContain('REDIS_URL');
    }
  });
});

describe('RedisRegistry calls once started', () => {
  it('say "Redis unreachable" while Redis is down, keeping the ioredis error as the cause', async () => {
    const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: 'down:' });
    await redis.stop();
    try {
      const { error, ms } = await failure(registry.listRooms({}));
      expect(error.code).toBe('REGISTRY_UNAVAILABLE');
      expect(error.message).toBe('the room registry (Redis) failed: Redis unreachable');
      expect((error.cause as Error).message).toMatch(/writeable|closed|retries/);
      expect(ms).toBeLessThan(1_000);
    } finally {
      await redis.restart();
      await registry.close();
    }
  });

  it('say how long they waited when Redis hangs, keeping the ioredis error as the cause', async () => {
    const registry = await RedisRegistry.connect({
      url: redis.url,
      keyPrefix: 'hung:',
      commandTimeoutMs: 300,
    });
    const admin = new Redis(redis.url);
    // Redis holds every client's commands for 1.5 s, as a stalled Redis would.
    await admin.client('PAUSE', 1_500, 'ALL');
    try {
      const { error, ms } = await failure(registry.listRooms({}));
      expect(error.code).toBe('REGISTRY_UNAVAILABLE');
      expect(error.message).toBe('the room registry (Redis) failed: Redis did not answer within 300 ms');
      expect((error.cause as Error).message).toBe('Command timed out');
      expect(ms).toBeGreaterThanOrEqual(250);
    } finally {
      admin.disconnect();
      await registry.close();
    }
  });
});
