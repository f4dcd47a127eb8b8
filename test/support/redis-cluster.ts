import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './coturn.js';

const run = promisify(execFile);

export interface RedisClusterServer {
  /** `redis://127.0.0.1:port` of each master. */
  nodes: string[];
  /** Stops every node and removes their folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Redis Cluster of `masters` redis-servers (no replicas, no persistence) on free
 * loopback ports, joins them with `redis-cli --cluster create` (the slots split evenly) and resolves
 * once every node reports the cluster ok.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterServer> {
  const folder = await mkdtemp(join(tmpdir(), 'vk-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    const running = children.splice(0).filter((child) => child.exitCode === null);
    await Promise.all(
      running.map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
    );
    await rm(folder, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      // The cluster bus defaults to port + 10,000, which may be taken or past 65,535: name a free one.
      const busPort = await freePort();
      ports.push(port);
      const config = join(folder, `nodes-${port}.conf`);
      const args = `--bind 127.0.0.1 --port ${port} --cluster-port ${busPort} --cluster-enabled yes --cluster-config-file ${config} --dir ${folder} --appendonly no`;
      // No snapshots either: `--save ''` (an empty argument, hence not in the split string).
      children.push(spawn('redis-server', [...args.split(' '), '--save', ''], { stdio: 'ignore' }));
    }
    for (const port of ports) await waitFor(port, 'PING', (answer) => answer === 'PONG');
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      await waitFor(port, 'CLUSTER INFO', (answer) => answer.includes('cluster_state:ok'));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => `redis://127.0.0.1:${port}`), stop };
}

/** Asks `command` of the node until `ready(answer)`, for up to 10 s. */
async function waitFor(port: number, command: string, ready: (answer: string) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  let answer = '';
  while (Date.now() < deadline) {
    try {
      answer = (await run('redis-cli', ['-p', String(port), ...command.split(' ')])).stdout;
      if (ready(answer.trim())) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis node ${port} not ready for ${command}: ${answer.slice(-500)}`);
}
