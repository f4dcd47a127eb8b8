import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ToolRun {
  child: ChildProcess;
  /** Everything it printed, stdout and stderr as they came. */
  output: () => string;
  /** Its exit code, and how long it ran (ms). */
  exited: Promise<{ code: number | null; ms: number }>;
}

/**
 * A command-line tool as its npm script runs it (`node scripts/run-typescript.mjs <entry> ...args`), added
 * to `running`. Stop it with SIGTERM, which the script passes on: a SIGKILL would leave the tool running.
 */
export function runTool(entry: string, args: string[], running: Set<ChildProcess>): ToolRun {
  const child = spawn(process.execPath, ['scripts/run-typescript.mjs', entry, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (data) => (output += data));
  child.stderr?.on('data', (data) => (output += data));
  const started = Date.now();
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, ms: Date.now() - started })),
  );
  return { child, output: () => output, exited };
}
