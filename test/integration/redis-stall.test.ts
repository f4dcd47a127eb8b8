import { RedisRegistry } from 'vehikill-net/server';
import { afterAll, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { connectedClient as connected, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const redis = useRedis();
const servers: TestServer[] = [];
afterAll(async () => {
  // A test that failed inside its stall leaves Redis paused, and the servers' registries would wait on it.
  redis.resume();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A node on the shared Redis whose Redis calls give up after 300 ms, so that its heartbeats fail in a
 * stall and come back on its own time afterwards (every TTL / 3).
 */
async function node(nodeId: string, nodeTtlMs: number): Promise<TestServer> {
  const registry = await RedisRegistry.connect({
    url: redis.url,
    keyPrefix: 'stall:',
    commandTimeoutMs: 300,
  });
  const server = await startServer({ test: TestRoom }, { registry, nodeId, nodeTtlMs });
  servers.push(server);
  return server;
}

describe('a Redis that stood still longer than a node TTL', () => {
  it('leaves every live room findable: joins through another node right after it resumes get in', async () => {
    // Node b heartbeats half as often as node a: after the stall, a heartbeats again first.
    const [a, b] = await Promise.all([node('node-a', 1_500), node('node-b', 3_000)]);
    const owner = await connected(b);
    const room = await owner.create('test', { options: { maxClients: 64 } });
    await sleep(600); // both nodes have heartbeated since
    redis.pause();
    await sleep(3_200); // both node records expire by Redis's clock meanwhile
    redis.resume();
    // Players join through node a, one every 50 ms or so, while the nodes heartbeat again: each gets in,
    // none is told the room does not exist.
    const outcomes: string[] = [];
    const until = Date.now() + 1_500;
    // Six players at least, however slow a loaded machine makes each join, and more while 1.5 s last.
    while (outcomes.length < 6 || Date.now() < until) {
      // A new player each time: one who got in was moved to node b, and would join there directly.
      const joiner = await connected(a);
      try {
        await joiner.join(room.roomId);
        outcomes.push('joined');
      } catch (error) {
        outcomes.push((error as { code?: string }).code ?? String(error));
      }
      joiner.close();
      await sleep(50);
    }
    expect(outcomes.filter((outcome) => outcome !== 'joined')).toEqual([]);
  });
});

describe('closing while Redis stands still', () => {
  it('a registry closes within its command timeout, its channel subscriptions included', async () => {
    const registry = await RedisRegistry.connect({
      url: redis.url,
      keyPrefix: 'stall-close:',
      commandTimeoutMs: 300,
    });
    // Its second connection, the subscriber's, has no command timeout: its QUIT waited for ever.
    await registry.subscribeChannel('news', () => {});
    redis.pause();
    try {
      const started = Date.now();
      const outcome = await Promise.race([
        registry.close().then(() => 'closed'),
        sleep(5_000).then(() => 'still closing after 5 s'),
      ]);
      expect(outcome).toBe('closed');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      redis.resume();
    }
  });
});
