/**
 * A child process pinned to one core (`taskset -c`), driven by request/reply over IPC. The CCU benchmark
 * runs the server under test on core 0 and its bots on core 1, so neither steals the other's CPU and each
 * one's `process.cpuUsage()` is its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChildRpc } from '../child-rpc.js';

export class PinnedProcess<Request extends { op: string }> {
  readonly #rpc: ChildRpc<Request>;
  /** The process's id (`taskset` execs node in its place), for signals a workload sends it itself. */
  readonly pid: number | undefined;

  private constructor(child: ChildProcess) {
    this.#rpc = new ChildRpc<Request>(child, 'pinned process');
    this.pid = child.pid;
  }

  /** Starts `script` (next to this file, compiled) on `core`; resolves once it says it is ready. */
  static async start<Request extends { op: string }>(
    script: string,
    core: number,
    args: readonly string[],
    nodeArgs: readonly string[] = [],
  ): Promise<{ process: PinnedProcess<Request>; ready: Record<string, unknown> }> {
    const path = fileURLToPath(new URL(script, import.meta.url));
    // CCU_CPU_PROF=<dir>: each pinned process writes a V8 CPU profile there when it exits.
    const profile = process.env.CCU_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CCU_CPU_PROF}`]
      : [];
    const node = [process.execPath, ...profile, ...nodeArgs, path, ...args];
    const child = spawn('taskset', ['-c', String(core), ...node], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
      child.on('message', (message: { ready?: Record<string, unknown> }) => {
        if (message.ready) resolve(message.ready);
      });
    });
    return { process: new PinnedProcess<Request>(child), ready };
  }

  call<Reply>(request: Request): Promise<Reply> {
    return this.#rpc.call<Reply>(request);
  }

  /** Asks it to close, then kills it if it has not exited within a few seconds. */
  close(): Promise<void> {
    return this.#rpc.close({ op: 'close' } as Request, 3_000);
  }
}

/** The child's side: answers each request with `handle`'s result (or its error) and says it is ready. */
export function serveRequests<Request extends { op: string }>(
  handle: (request: Request) => Promise<unknown> | unknown,
  ready: Record<string, unknown>,
): void {
  process.on('message', (message: { id: number; request: Request }) => {
    Promise.resolve()
      .then(() => handle(message.request))
      .then(
        (reply) => process.send?.({ id: message.id, reply: reply ?? {} }),
        (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
      );
  });
  // The parent went away (crashed or killed): do not linger with open sockets.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready });
}
