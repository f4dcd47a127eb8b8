import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './coturn.js';

const run = promisify(execFile);

export interface RedisClusterServer {
  /** `redis://127.0.0.1:port` of each node (masters and replicas, as `--cluster create` paired them). */
  nodes: string[];
  /** SIGKILLs the node on `port` (a crash) and resolves once it is gone. */
  kill(port: number): Promise<void>;
  /** Stops every node and removes their folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Redis Cluster of `masters` redis-servers with `replicas` replicas each (no
 * persistence) on free loopback ports, joins them with `redis-cli --cluster create` (the slots split
 * evenly) and resolves once every node reports the cluster ok. A node that stops answering for a second
 * counts as failed, so a replica takes over its master's slots within a few seconds.
 */
export async function startRedisCluster(masters = 3, replicas = 0): Promise<RedisClusterServer> {
  const folder = await mkdtemp(join(tmpdir(), 'vk-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    const running = children
      .splice(0)
      .filter((child) => child.exitCode === null && child.signalCode === null);
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
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const { child, port } = await startNode(folder);
      children.push(child);
      ports.push(port);
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await waitFor(port, 'CLUSTER INFO', (answer) => answer.includes('cluster_state:ok'));
    }
    // A replica syncs with its master after the cluster is formed: until then it could not take over.
    for (const port of ports) {
      await waitFor(port, 'INFO replication', (answer) =>
        answer.includes('role:slave')
          ? answer.includes('master_link_status:up')
          : (answer.match(/state=online/g) ?? []).length >= replicas,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const kill = async (port: number) => {
    const child = children[ports.indexOf(port)];
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { nodes: ports.map((port) => `redis://127.0.0.1:${port}`), kill, stop };
}

/**
 * Starts one cluster node on free ports and resolves once it answers PING. A port found free can be taken
 * by another test file's server before redis-server binds it (files run side by side), and redis-server
 * then exits at once: it starts again on other ports, up to three times.
 */
async function startNode(folder: string): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // The cluster bus defaults to port + 10,000, which may be taken or past 65,535: name a free one.
    const busPort = await freePort();
    const config = join(folder, `nodes-${port}.conf`);
    const args = `--bind 127.0.0.1 --port ${port} --cluster-port ${busPort} --cluster-enabled yes --cluster-node-timeout 1000 --cluster-config-file ${config} --dir ${folder} --appendonly no`;
    // No snapshots either: `--save ''` (an empty argument, hence not in the split string).
    const child = spawn('redis-server', [...args.split(' '), '--save', ''], { stdio: 'ignore' });
    try {
      await waitFor(port, 'PING', (answer) => answer === 'PONG', child);
      return { child, port };
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (attempt === 3) throw error;
    }
  }
}

/** Asks `command` of the node until `ready(answer)`, for up to 20 s, or until `child` (the node) exits. */
async function waitFor(
  port: number,
  command: string,
  ready: (answer: string) => boolean,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  let answer = '';
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`redis node ${port} exited (${child.exitCode ?? child.signalCode}) before answering`);
    }
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
