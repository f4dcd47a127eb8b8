import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, RedisRegistry } from 'vehikill-net/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let redis: RedisServer;
let prefixes = 0;
const servers: TestServer[] = [];
const registries: RedisRegistry[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
  vi.restoreAllMocks();
});
afterAll(async () => {
  await redis?.stop();
});

async function redisRegistry(): Promise<RedisRegistry> {
  const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: `guest-secret${prefixes++}:` });
  registries.push(registry);
  return registry;
}

/** Starts a node with `options`, and gives the warnings about the guest secret it printed. */
async function secretWarnings(options: Parameters<typeof startServer>[1]): Promise<string[]> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const server = await startServer({ test: TestRoom }, options);
  servers.push(server);
  // A guest token and a player seated: whatever else the node does, it says it no more than once.
  const client = server.client();
  await client.connect();
  await client.create('test');
  return warn.mock.calls.map((call) => String(call[0])).filter((message) => message.includes('guestSecret'));
}

const refuse = async () => ({ ok: false as const, code: ErrorCode.UNAUTHORIZED, message: 'no one' });

describe('a node with guest auth and no guestSecret', () => {
  it('on a shared (Redis) registry: warns once, naming the option and GUEST_SECRET', async () => {
    const warnings = await secretWarnings({ registry: await redisRegistry(), nodeId: 'node-a' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('GUEST_SECRET');
  });

  it('on the in-memory registry (one process): says nothing', async () => {
    expect(await secretWarnings({})).toEqual([]);
    expect(await secretWarnings({ registry: new MemoryRegistry() })).toEqual([]);
  });

  it('given a guestSecret, or with guest auth off: says nothing', async () => {
    const guestSecret = 'a-secret-the-nodes-of-this-test-share!!';
    expect(await secretWarnings({ registry: await redisRegistry(), guestSecret })).toEqual([]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const server = await startServer(
      {},
      { registry: await redisRegistry(), guestAuth: false, authenticator: { authenticate: refuse } },
    );
    servers.push(server);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('guestSecret'))).toEqual([]);
  });
});
