import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CHILD_BUNDLE } from './json-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Inside the repository, so the bundle's bare imports (ioredis, ws, ...) resolve from node_modules. */
const bundlePath = `${root}test-output/cluster-node.mjs`;

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
  mkdirSync(`${root}test-output`, { recursive: true });
  await build({
    entryPoints: [`${root}test/support/cluster-node.ts`],
    outfile: bundlePath,
    ...CHILD_BUNDLE,
  });
}

/**
 * Starts one node process with `env` (naming its Redis: REDIS_URL or REDIS_CLUSTER_NODES) and resolves
 * once it listens.
 */
export async function startClusterNode(env: Record<string, string>): Promise<ClusterNode> {
  const child = spawn(process.execPath, [bundlePath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ wsUrl: string; nodeId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${output}`)), 10_000);
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
