/**
 * The npm scripts as a service manager, `timeout` or `kill` stop them: a SIGTERM to the npm process must
 * reach the program the script runs, and leave nothing running behind it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/server.js';
import { startVehikillServer, type VehikillServer } from '../support/vehikill.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const running = new Set<ChildProcess>();
/** Every process a test saw under an npm process: killed after the test if still there. */
const seen = new Set<number>();

afterEach(() => {
  for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  seen.clear();
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  running.clear();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes below `pid`, at any depth. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  for (let parents = [pid]; parents.length > 0; ) {
    const children = table.filter(([, ppid]) => parents.includes(ppid)).map(([child]) => child);
    found.push(...children);
    parents = children;
  }
  return found;
}

/** `npm run <script> -- args` with its output collected. */
function npm(script: string[], env: Record<string, string> = {}) {
  const child = spawn('npm', ['run', '--silent', ...script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (data) => (output += data));
  child.stderr?.on('data', (data) => (output += data));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

/** SIGTERM to the npm process; then npm and every process it had started must be gone. */
async function terminate(run: ReturnType<typeof npm>): Promise<void> {
  const below = descendants(run.child.pid as number);
  for (const pid of below) seen.add(pid);
  expect(below.length).toBeGreaterThan(0);
  run.child.kill('SIGTERM');
  await run.exited;
  await eventually(() => below.every((pid) => !alive(pid)), 'every process npm started gone', 10_000);
}

describe('npm start', () => {
  it('drains on a SIGTERM to npm, and leaves no process behind', async () => {
    const run = npm(['start'], { HOST: '127.0.0.1', PORT: '0', UDP_PORT: '0', DRAIN_MS: '1000' });
    await eventually(() => /Vehikill: http/.test(run.output()), 'the server up', 60_000);
    await terminate(run);
    expect(run.output()).toContain('SIGTERM: draining');
  }, 90_000);
});

describe('npm run bots', () => {
  let server: VehikillServer;
  beforeAll(async () => {
    server = await startVehikillServer({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('leaves its room on a SIGTERM to npm, and leaves no process behind', async () => {
    const before = server.rooms.length;
    const run = npm(['bots', '--', '--url', server.wsUrl, '--count', '1']);
    await eventually(() => run.output().includes('1 bots in'), 'the bot playing', 30_000);
    const room = server.rooms[before];
    await terminate(run);
    await eventually(() => room?.clients.length === 0, 'the bot gone from the room', 3_000);
  }, 60_000);
});
