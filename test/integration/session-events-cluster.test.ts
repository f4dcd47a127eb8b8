import * as v from 'valibot';
import { ErrorCode, RedisRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * Presence across nodes as docs/server.md shows it: each node publishes its sessions' begins and ends, the
 * others count them. Two in-process nodes sharing one Redis.
 */

const redis = useRedis();
const servers: TestServer[] = [];
const registries: RedisRegistry[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const registry of registries.splice(0)) await registry.close();
});

async function node(nodeId: string): Promise<TestServer> {
  const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: 'presence:' });
  registries.push(registry);
  const server = await startServer(
    { test: TestRoom },
    {
      registry,
      nodeId,
      guestSecret: 'a-cluster-wide-secret-of-at-least-32-bytes',
      serverLink: { enabled: false },
    },
  );
  servers.push(server);
  return server;
}

describe('session events told to the other nodes', () => {
  it("a node that closes publishes its sessions' ends from its 'session-end' listener", async () => {
    const [a, b] = [await node('node-a'), await node('node-b')];
    const heard: number[] = [];
    const change = v.object({ userId: v.string(), by: v.picklist([1, -1]) });
    await b.server.subscribe('presence', change, ({ by }) => heard.push(by));
    const published: Array<Promise<unknown>> = [];
    a.server.on('session-begin', ({ userId }) => {
      published.push(a.server.publish('presence', { userId, by: 1 }));
    });
    const reasons: string[] = [];
    a.server.on('session-end', ({ userId, reason }) => {
      reasons.push(reason);
      published.push(a.server.publish('presence', { userId, by: -1 }));
    });
    const client = a.client();
    await client.connect();
    await eventually(() => heard.length === 1, 'the begin heard on node B');
    // The player still connected: its session ends as the server finishes closing.
    await a.server.close({ drainMs: 0 });
    expect(reasons).toEqual([ErrorCode.SERVER_SHUTTING_DOWN]);
    // Every publish went: none refused as the server shut down.
    const outcomes = await Promise.allSettled(published);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    await eventually(() => heard.length === 2, 'the end heard on node B');
    expect(heard).toEqual([1, -1]);
  });
});
