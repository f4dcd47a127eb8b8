import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, RedisRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { useRedis } from '../support/redis.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const redis = useRedis();
let prefixes = 0;
const servers: TestServer[] = [];
const registries: RedisRegistry[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
  vi.restoreAllMocks();
});

/** A Redis registry that counts its node heartbeats, so a test knows a node's next check has run. */
class CountingRegistry extends RedisRegistry {
  heartbeats = 0;
  override async heartbeat(...args: Parameters<RedisRegistry['heartbeat']>): Promise<boolean> {
    this.heartbeats++;
    return super.heartbeat(...args);
  }
}

async function redisRegistry(prefix = `guest-secret${prefixes++}:`): Promise<CountingRegistry> {
  const registry = new CountingRegistry({ url: redis.url, keyPrefix: prefix });
  await registry.ready();
  registries.push(registry);
  return registry;
}

/** Lets `registry`'s node heartbeat twice more: the check after the first of them has run by then. */
async function twoMoreHeartbeats(registry: CountingRegistry): Promise<void> {
  const target = registry.heartbeats + 2;
  await expect.poll(() => registry.heartbeats, { timeout: 5_000 }).toBeGreaterThanOrEqual(target);
}

/** The guest-secret warnings printed so far. */
function secretWarnings(warn: MockInstance<typeof console.warn>): string[] {
  return warn.mock.calls.map((call) => String(call[0])).filter((message) => message.includes('guestSecret'));
}

/** Starts a node with `options` (a player seated, so that it does what nodes do), heartbeating every 200 ms. */
async function node(options: Parameters<typeof startServer>[1]): Promise<TestServer> {
  const server = await startServer({ test: TestRoom }, { nodeTtlMs: 600, ...options });
  servers.push(server);
  const client = server.client();
  await client.connect();
  await client.create('test');
  return server;
}

const refuse = async () => ({ ok: false as const, code: ErrorCode.UNAUTHORIZED, message: 'no one' });

describe('a node with guest auth and no guestSecret', () => {
  it('alone on a Redis registry says nothing; once a second node shares it, each says so once, naming the other', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const prefix = `guest-secret${prefixes++}:`;
    const registryA = await redisRegistry(prefix);
    const a = await node({ registry: registryA, nodeId: 'node-a' });
    await twoMoreHeartbeats(registryA);
    expect(secretWarnings(warn)).toEqual([]);

    const registryB = await redisRegistry(prefix);
    const b = await node({ registry: registryB, nodeId: 'node-b' });
    await expect.poll(() => secretWarnings(warn).length, { timeout: 5_000 }).toBe(2);
    await twoMoreHeartbeats(registryA);
    await twoMoreHeartbeats(registryB);
    const warnings = secretWarnings(warn).sort();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`node node-a: guest auth with no guestSecret (GUEST_SECRET)`);
    expect(warnings[0]).toContain(`node-b at ${b.wsUrl}`);
    expect(warnings[1]).toContain(`node-a at ${a.wsUrl}`);
  });

  it('on one in-memory registry shared by two servers of a process: says so too', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const registry = new MemoryRegistry();
    await node({ registry, nodeId: 'node-a' });
    await node({ registry, nodeId: 'node-b' });
    await expect.poll(() => secretWarnings(warn).length, { timeout: 5_000 }).toBe(2);
  });

  it('alone on the in-memory registry (one process): says nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await node({});
    await node({ registry: new MemoryRegistry() });
    expect(secretWarnings(warn)).toEqual([]);
  });

  it('given a guestSecret, or with guest auth off: says nothing, with other nodes on the registry', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const guestSecret = 'a-secret-the-nodes-of-this-test-share!!';
    const prefix = `guest-secret${prefixes++}:`;
    const registryA = await redisRegistry(prefix);
    await node({ registry: registryA, nodeId: 'node-a', guestSecret });
    const registryB = await redisRegistry(prefix);
    const b = await startServer(
      {},
      {
        registry: registryB,
        nodeId: 'node-b',
        nodeTtlMs: 600,
        guestAuth: false,
        authenticator: { authenticate: refuse },
      },
    );
    servers.push(b);
    await twoMoreHeartbeats(registryA);
    await twoMoreHeartbeats(registryB);
    expect(secretWarnings(warn)).toEqual([]);
  });
});

/** The public-URL warnings printed so far. */
function urlWarnings(warn: MockInstance<typeof console.warn>): string[] {
  return warn.mock.calls.map((call) => String(call[0])).filter((message) => message.includes('PUBLIC_URL'));
}

const sharedSecret = 'a-secret-the-nodes-of-this-test-share!!';

/**
 * Node A listening on every interface (with `publicUrl` if given), then node B on loopback, sharing one
 * Redis registry and a guest secret (so that only the URL may be warned of).
 */
async function nodeOnEveryInterfaceThenAnother(publicUrl?: string) {
  const prefix = `public-url${prefixes++}:`;
  const registryA = await redisRegistry(prefix);
  const a = await startServer(
    {},
    {
      registry: registryA,
      nodeId: 'node-a',
      nodeTtlMs: 600,
      guestSecret: sharedSecret,
      host: '0.0.0.0',
      ...(publicUrl ? { publicUrl } : {}),
      serverLink: { enabled: false },
    },
  );
  servers.push(a);
  await twoMoreHeartbeats(registryA);
  const alone = urlWarnings(vi.mocked(console.warn));
  const registryB = await redisRegistry(prefix);
  await node({ registry: registryB, nodeId: 'node-b', guestSecret: sharedSecret });
  return { a, registryA, registryB, alone };
}

// Listening on every interface is safe only where the only interface is loopback (scripts/isolated.sh).
describe.skipIf(process.env.VEHIKILL_NET_ISOLATED !== '1')(
  'a node on every interface with no publicUrl',
  () => {
    it('says once, when another node shares its registry, that the URL the others send players to names no machine', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const { a, registryA, registryB, alone } = await nodeOnEveryInterfaceThenAnother();
      expect(alone).toEqual([]);
      // Node B listens on loopback: its default URL names a machine (this one), and it says nothing.
      await expect.poll(() => urlWarnings(warn).length, { timeout: 5_000 }).toBe(1);
      await twoMoreHeartbeats(registryA);
      await twoMoreHeartbeats(registryB);
      const warnings = urlWarnings(warn);
      expect(warnings).toHaveLength(1);
      expect(a.server.publicUrl).toBe(`ws://0.0.0.0:${a.port}/ws`);
      expect(warnings[0]).toContain(`node node-a: other nodes share its registry (node-b at ws://127.0.0.1:`);
      expect(warnings[0]).toContain(`its public URL, ws://0.0.0.0:${a.port}/ws, which names no machine`);
      expect(warnings[0]).toContain('Give it publicUrl (PUBLIC_URL)');
    });

    it('given a publicUrl, says nothing', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const { registryA } = await nodeOnEveryInterfaceThenAnother('ws://node-a.example.com/ws');
      await twoMoreHeartbeats(registryA);
      await twoMoreHeartbeats(registryA);
      expect(urlWarnings(warn)).toEqual([]);
    });
  },
);
