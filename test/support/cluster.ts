import { type ChildProcess, spawn } from 'node:child_process';
import { bundleScript } from './json-process.js';

/**
 * The bundle of test/support/cluster-node.ts, once `buildClusterNode` made it: named by its content and
 * written whole (bundleScript). Written in place, each file rebuilding it as the other's nodes started
 * (cluster.test.ts and cluster-calls.test.ts run at once), a node could read half a file.
 */
let bundlePath: string | undefined;

export interface ClusterNode {
  wsUrl: string;
  nodeId: string;
  process: ChildProcess;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** SIGKILL: the crash case. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the node drains, then exits. Resolves once it has. */
  terminate(): Promise<void>;
}

/** Bundles test/support/cluster-node.ts (Node 20 cannot run TypeScript itself). Call once per file. */
export async function buildClusterNode(): Promise<void> {
  bundlePath = await bundleScript('cluster-node.ts');
}

/**
 * Starts one node process with `env` (naming its Redis: REDIS_URL or REDIS_CLUSTER_NODES) and resolves
 * once it listens.
 */
export async function startClusterNode(env: Record<string, string>): Promise<ClusterNode> {
  if (bundlePath === undefined) throw new Error('startClusterNode: call buildClusterNode first');
  const child = spawn(process.execPath, [bundlePath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ wsUrl: string; nodeId: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: no one would ever stop it.
      child.kill('SIGKILL');
      reject(new Error(`node did not start within 10 s (pid ${child.pid}, killed):\n${output}`));
    }, 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+) (\S+)/.exec(output);
      if (match?.[1] && match[2]) {
        clearTimeout(timer);
        resolve({ wsUrl: match[1], nodeId: match[2] });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before it was ready:\n${output}`));
    });
  });
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    ...ready,
    process: child,
    output: () => output,
    kill: () => stop('SIGKILL'),
    terminate: () => stop('SIGTERM'),
  };
}

/**
 * Starts `count` nodes with `env` at once, each put in `into` at its index as it comes up. A failure is
 * thrown once every start has settled: thrown at the first, a node still starting came up after the
 * file's teardown had run, and outlived it.
 */
export async function startClusterNodes(
  count: number,
  env: Record<string, string>,
  into: (ClusterNode | undefined)[],
): Promise<void> {
  const starts = await Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      into[i] = await startClusterNode(env);
    }),
  );
  const failed = starts.find((start) => start.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** The nodes that started (a start that failed leaves a hole in the caller's array). */
export function live(nodes: readonly (ClusterNode | undefined)[]): ClusterNode[] {
  return nodes.filter((node) => node !== undefined);
}

/** Each node's process as it stands (pid, exit code or signal), for a teardown that hung on them. */
export function processStates(nodes: readonly ClusterNode[]): string {
  return nodes
    .map(({ nodeId, process: child }) => {
      const gone = child.exitCode !== null || child.signalCode !== null;
      const how = gone ? `exited ${child.exitCode ?? child.signalCode}` : 'running';
      return `${nodeId} pid ${child.pid} ${how}`;
    })
    .join(', ');
}
