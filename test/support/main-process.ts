/** A server's main, bundled from its sources and run as an operator runs it: its own process, its environment. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleTypeScript } from '../../scripts/bundle-typescript.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles `entry` (a path from the repository root) to test-output/`name`.mjs: inside the repository, so
 * the bundle's bare imports (ws, ioredis, ...) resolve from node_modules. Returns the bundle's path.
 */
export async function bundleMain(entry: string, name: string): Promise<string> {
  const outfile = `${root}test-output/${name}.mjs`;
  mkdirSync(`${root}test-output`, { recursive: true });
  await bundleTypeScript(entry, outfile);
  return outfile;
}

export interface MainRun {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/** Runs a bundled main with `env` over a loopback default (HOST, PORT 0, UDP_PORT 0), added to `running`. */
export function runMain(bundle: string, env: Record<string, string>, running: Set<ChildProcess>): MainRun {
  const child = spawn(process.execPath, [bundle], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', UDP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Waits for `pattern` on the run's stdout; throws with its output if it exits or the time runs out first. */
export async function until(run: MainRun, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pattern.exec(run.output().stdout);
    if (found) return found;
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in time:\n${JSON.stringify(run.output())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}
