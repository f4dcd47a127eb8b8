/**
 * The lobby demo's main run as an operator runs it: its own process, configured by environment
 * variables, stopped by signals.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from 'vehikill-net/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { freePort } from '../support/coturn.js';
import { isolated } from '../support/isolated.js';
import { bundleMain, type MainRun, runMain as runBundle, until } from '../support/main-process.js';

const running = new Set<ChildProcess>();

let bundlePath = '';
beforeAll(async () => {
  bundlePath = await bundleMain('examples/lobby/server/main.ts', 'lobby-main');
});
afterEach(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  running.clear();
});

function runMain(env: Record<string, string>): MainRun {
  return runBundle(bundlePath, env, running);
}

describe('a server main', () => {
  it('stops before listening when an environment variable is bad', async () => {
    const run = runMain({ DRAIN_MS: 'sixty' });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output().stderr).toContain('DRAIN_MS');
    // It never served: a bad setting found at start must not leave a half-configured server up meanwhile.
    expect(run.output().stdout).not.toContain('http://');
  });

  it('says in one line why it could not start, with no stack trace', async () => {
    for (const [env, said] of [
      [{ REDIS_URL: 'notaurl' }, /^lobby: could not start: REDIS_URL "notaurl" is not a URL/],
      [
        { PUBLIC_URL: 'http://localhost:8080/ws' },
        /^lobby: could not start: GameServer option 'publicUrl' must be/,
      ],
    ] as const) {
      const run = runMain(env);
      expect(await run.exited).toBe(1);
      const { stderr, stdout } = run.output();
      expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
      expect(stderr).toMatch(said);
      expect(stdout).not.toContain('http://');
    }
  });

  // Listening on every interface is only done where every interface is loopback (isolated.sh's namespace).
  it.runIf(isolated)(
    'with HOST=0.0.0.0, prints a URL a person can open and says it listens on all interfaces',
    async () => {
      const run = runMain({ HOST: '0.0.0.0', ADMIN_TOKEN: 'an-admin-token-for-the-test' });
      const [, port] = await until(
        run,
        /^vehikill-net lobby: http:\/\/localhost:(\d+) \(listening on all interfaces\)$/m,
      );
      await until(
        run,
        new RegExp(`^dashboard: http://localhost:${port}/dashboard \\(sign in with ADMIN_TOKEN\\)$`, 'm'),
      );
      expect(run.output().stdout).not.toContain('0.0.0.0');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    },
  );

  it('drains and exits 0 on SIGTERM', async () => {
    const run = runMain({ DRAIN_MS: '1000' });
    await until(run, /lobby: http:\/\/\S+/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('SIGTERM: draining');
  });
});

describe('a server main stopped by Ctrl-C under npm start', () => {
  const clients: Client[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  /** The lobby main up, with a player in a chat room: a close then waits for the room (up to 5 s). */
  async function runWithAPlayer(): Promise<MainRun> {
    const run = runMain({});
    const [, port] = await until(run, /lobby: http:\/\/localhost:(\d+)/);
    const client = new Client({ url: `ws://127.0.0.1:${port}/ws`, WebSocket, serverLink: 'off' });
    clients.push(client);
    await client.connect();
    await client.create('chat');
    return run;
  }

  it('takes the same SIGINT passed on again by npm for one, and closes as for one', async () => {
    const run = await runWithAPlayer();
    // The terminal's Ctrl-C, then npm's run-script forwarding the SIGINT it got too.
    run.child.kill('SIGINT');
    await until(run, /SIGINT: closing/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).not.toContain('exiting at once');
  }, 20_000);

  it('exits at once, code 1, on a second signal a second or more after the first', async () => {
    const run = await runWithAPlayer();
    run.child.kill('SIGINT');
    await until(run, /SIGINT: closing/);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const sent = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    // Well before the room's 5 s to drain were up.
    expect(Date.now() - sent).toBeLessThan(2_500);
  }, 20_000);
});

describe('a server main with Redis', () => {
  let redis: ChildProcess | undefined;
  let port = 0;
  const password = 'hunter2-redis-password';
  beforeAll(async () => {
    port = await freePort();
    redis = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        password,
      ],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  afterAll(() => {
    redis?.kill('SIGTERM');
  });

  it('does not print the Redis password', async () => {
    const run = runMain({ REDIS_URL: `redis://:${password}@127.0.0.1:${port}`, DRAIN_MS: '0' });
    await until(run, /sharing rooms through/);
    run.child.kill('SIGTERM');
    await run.exited;
    const { stdout, stderr } = run.output();
    expect(stdout).toContain(`127.0.0.1:${port}`);
    expect(stdout + stderr).not.toContain(password);
  });
});
