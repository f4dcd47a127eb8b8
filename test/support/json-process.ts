import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * How a test's child script is bundled (Node 20 cannot run TypeScript itself): packages stay imports,
 * resolved from the project's node_modules; only the project's code is bundled.
 */
export const CHILD_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
} as const;

/** Bundles a script of test/support for `node`, into the project's cache; returns its path. */
export async function bundleScript(entry: string): Promise<string> {
  // Inside the project, so that the bundle's imports of node-datachannel and ws resolve (ESM has no NODE_PATH).
  const cache = join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const name = entry.replace(/\.ts$/, '.mjs');
  const script = join(mkdtempSync(join(cache, 'vehikill-child-')), name);
  await build({
    entryPoints: [join(root, 'test/support', entry)],
    outfile: script,
    ...CHILD_BUNDLE,
  });
  return script;
}

/**
 * A test's helper process that speaks JSON lines: it prints one line for each thing it has to say
 * (ready, the answer to a command) and takes commands on stdin, one a line.
 */
export class JsonProcess {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: string[] = [];
  #waiting: ((line: string) => void) | undefined;
  #buffer = '';
  readonly exited: Promise<number | null>;

  /** `niced`: at the lowest priority (a stand-in for a remote machine, whose CPU is not the server's). */
  constructor(script: string, args: string[], options: { niced?: boolean } = {}) {
    const command = options.niced
      ? ['nice', ['-n', '19', process.execPath, script, ...args]]
      : [process.execPath, [script, ...args]];
    this.#child = spawn(command[0] as string, command[1] as string[], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.#child.on('exit', (code) => resolve(code)));
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      for (let end = this.#buffer.indexOf('\n'); end >= 0; end = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        const waiting = this.#waiting;
        this.#waiting = undefined;
        if (waiting) waiting(line);
        else this.#lines.push(line);
      }
    });
  }

  /** The process id (`nice` execs node: the same process). */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** The next line the process prints, parsed; rejects after `timeoutMs` or if it exits first. */
  next<T>(timeoutMs = 20_000): Promise<T> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued) as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the process exited (${code})`));
      });
      this.#waiting = (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      };
    });
  }

  /** Sends one command and waits for its answer. */
  command<T>(command: Record<string, unknown>, timeoutMs = 20_000): Promise<T> {
    this.#child.stdin.write(`${JSON.stringify(command)}\n`);
    return this.next<T>(timeoutMs);
  }

  /** Ends the process (by its own id) and waits for it to be gone. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }
}
