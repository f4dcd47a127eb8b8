import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Where child scripts are bundled: inside the project, so that their imports of packages resolve. */
const cacheDir = join(root, 'node_modules/.cache/vehikill-children');
/** Bundles, and the per-run folders of earlier versions, older than this are let go. */
const KEEP_MS = 24 * 3_600_000;

/**
 * Bundles a script of test/support for `node` into the project's cache; returns its path. The bundle is
 * named by its content and written once (to a temporary name, then renamed: test files bundling the same
 * script at once never see half a file), so runs of the suite reuse it rather than pile up copies.
 */
export async function bundleScript(entry: string): Promise<string> {
  // ESM has no NODE_PATH: inside node_modules, the bundle's imports of node-datachannel and ws resolve.
  mkdirSync(cacheDir, { recursive: true });
  const name = entry.replace(/\.ts$/, '');
  const { outputFiles } = await build({
    entryPoints: [join(root, 'test/support', entry)],
    outfile: join(cacheDir, `${name}.mjs`),
    write: false,
    ...CHILD_BUNDLE,
  });
  const contents = (outputFiles[0] as { contents: Uint8Array }).contents;
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const script = join(cacheDir, `${name}-${hash}.mjs`);
  if (!existsSync(script)) {
    const temporary = `${script}.${process.pid}.${randomUUID()}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, script);
  }
  pruneOldBundles();
  return script;
}

/** Lets go of bundles not written for a day, and of the per-run folders earlier versions made. */
function pruneOldBundles(): void {
  const now = Date.now();
  for (const [folder, names] of [
    [cacheDir, readdirSync(cacheDir)],
    [dirname(cacheDir), readdirSync(dirname(cacheDir)).filter((n) => /^vehikill-(child|storm)-/.test(n))],
  ] as const) {
    for (const entryName of names) {
      const path = join(folder, entryName);
      try {
        if (now - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
      } catch {
        // Gone already (another test file pruned it): nothing to do.
      }
    }
  }
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

  constructor(script: string, args: string[]) {
    this.#child = spawn(process.execPath, [script, ...args], {
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
