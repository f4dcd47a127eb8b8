/**
 * REDIS_CLUSTER_NODES as an operator writes it for a Redis Cluster that asks for a password: the seed
 * nodes' URLs are the only place the environment can carry it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { registryFromEnvironment } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterServer, startRedisCluster } from '../support/redis-cluster.js';

const run = promisify(execFile);
const password = 'p@ss/word:1';
let cluster: RedisClusterServer;
/** `127.0.0.1:port` of each node. */
let addresses: string[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  addresses = cluster.nodes.map((node) => node.replace('redis://', ''));
  // Clients must authenticate from now on; the cluster bus between the nodes is not concerned.
  for (const address of addresses) {
    const port = address.split(':')[1] as string;
    await run('redis-cli', [
      '-p',
      port,
      'ACL',
      'SETUSER',
      'registry',
      'on',
      `>${password}`,
      '~*',
      '&*',
      '+@all',
    ]);
    await run('redis-cli', ['-p', port, 'CONFIG', 'SET', 'requirepass', password]);
  }
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('REDIS_CLUSTER_NODES with credentials', () => {
  it('connects with the password, or the user and password, its seed URLs carry', async () => {
    const encoded = encodeURIComponent(password);
    for (const nodes of [
      `redis://:${encoded}@${addresses[0]}`,
      `redis://registry:${encoded}@${addresses[1]},${addresses[2]}`,
    ]) {
      const registry = await registryFromEnvironment({
        REDIS_CLUSTER_NODES: nodes,
        REDIS_KEY_PREFIX: '{env}:',
      });
      try {
        expect(registry, nodes).toBeDefined();
        expect(await registry?.listNodes(), nodes).toEqual([]);
      } finally {
        await registry?.close();
      }
    }
  }, 20_000);

  it('refuses seed nodes that name different passwords, without printing either', async () => {
    const nodes = `redis://:one-secret@${addresses[0]},redis://:two-secret@${addresses[1]}`;
    const refusal = await registryFromEnvironment({ REDIS_CLUSTER_NODES: nodes }).catch(
      (error: Error) => error,
    );
    expect(refusal).toBeInstanceOf(TypeError);
    expect((refusal as Error).message).toMatch(/^REDIS_CLUSTER_NODES: the seed nodes name different/);
    expect((refusal as Error).message).not.toMatch(/secret/);
  });
});
