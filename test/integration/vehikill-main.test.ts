/**
 * The Vehikill server's main (`npm start` runs its build) as an operator runs it: its own process,
 * configured by environment variables.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from 'vehikill-net/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ROOM_TYPE } from '../../game/protocol/index.js';
import { isolated } from '../support/isolated.js';
import { bundleMain, type MainRun, runMain as runBundle, until } from '../support/main-process.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const running = new Set<ChildProcess>();

let bundlePath = '';
beforeAll(async () => {
  bundlePath = await bundleMain('game/server/main.ts', 'vehikill-main');
});
afterEach(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  running.clear();
});

function runMain(env: Record<string, string>): MainRun {
  return runBundle(bundlePath, { DRAIN_MS: '0', ...env }, running);
}

/** Whether this machine has IPv6 loopback (::1) to listen on. */
async function hasIpv6Loopback(): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/** A refused start: exit 1, one line on stderr matching `said`, never served. */
async function refusedStart(env: Record<string, string>, said: RegExp): Promise<void> {
  const run = runMain(env);
  // Bounded: a start that goes on (as a bad value once did) is a failure here, not a test timeout.
  const exited = await Promise.race([
    run.exited,
    new Promise((resolve) => setTimeout(resolve, 10_000, 'running')),
  ]);
  expect(exited).toBe(1);
  const { stderr, stdout } = run.output();
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(stderr).toMatch(said);
  expect(stdout).not.toContain('http://');
}

const ipv6Loopback = await hasIpv6Loopback();

describe('the Vehikill server main', () => {
  it.runIf(ipv6Loopback)('starts and serves on HOST=::1, server links included', async () => {
    const run = runMain({ HOST: '::1' });
    const [, url] = await until(run, /^Vehikill: (http:\/\/\[::1\]:\d+)$/m);
    await until(run, /^server links: UDP port \d+$/m);
    const socket = new WebSocket(`${(url as string).replace('http', 'ws')}/ws`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.close();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  // Listening on every interface is only done where every interface is loopback (isolated.sh's namespace).
  for (const host of ['0.0.0.0', '::']) {
    it.runIf(isolated && (host === '0.0.0.0' || ipv6Loopback))(
      `with HOST=${host}, prints a URL a person can open and says it listens on all interfaces`,
      async () => {
        const run = runMain({ HOST: host, ADMIN_TOKEN: 'an-admin-token-for-the-test' });
        const [, port] = await until(
          run,
          /^Vehikill: http:\/\/localhost:(\d+) \(listening on all interfaces\)$/m,
        );
        await until(
          run,
          new RegExp(`^dashboard: http://localhost:${port}/dashboard \\(sign in with ADMIN_TOKEN\\)$`, 'm'),
        );
        expect(run.output().stdout).not.toMatch(/0\.0\.0\.0|\[::\]/);
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
      },
    );
  }

  it("counts its rooms' state sync in /metrics", async () => {
    const token = 'a-metrics-token-for-the-test';
    const run = runMain({ METRICS_TOKEN: token, QUICK_PLAY_BOTS: '0' });
    const [, url] = await until(run, /^Vehikill: (http:\/\/[^\s]+)$/m);
    const httpUrl = (url as string).replace('localhost', '127.0.0.1');
    const client = new Client({ url: `${httpUrl.replace('http', 'ws')}/ws`, WebSocket, serverLink: 'off' });
    await client.connect();
    await client.quickPlay(ROOM_TYPE);
    const scraped = async (name: string) => {
      const answer = await fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
      return sampleValue(parsePrometheusText(await answer.text()), `vehikill_${name}`);
    };
    // The room sends its player 30 snapshots a second: the operator's sync_* series must see them.
    // Polled within the scrape rate one address is allowed (2 a second after 10).
    await expect.poll(() => scraped('sync_snapshots_total'), { interval: 600 }).toBeGreaterThan(0);
    expect(await scraped('sync_snapshot_bytes_total')).toBeGreaterThan(0);
    client.close();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses at start a match length the match rules refuse, naming the variable', async () => {
    await refusedStart({ MATCH_SECONDS: '0' }, /^vehikill: could not start: MATCH_SECONDS '0' is refused: /);
    await refusedStart(
      { MATCH_SECONDS: '5000' },
      /^vehikill: could not start: MATCH_SECONDS '5000' is refused: /,
    );
  });

  it('refuses at start a reload hold the protocol does not take, naming the variable', async () => {
    await refusedStart(
      { RELOAD_HOLD_SECONDS: '0' },
      /^vehikill: could not start: RELOAD_HOLD_SECONDS '0' is refused: must be a whole number from 1 to 600/,
    );
    await refusedStart(
      { RELOAD_HOLD_SECONDS: '601' },
      /^vehikill: could not start: RELOAD_HOLD_SECONDS '601' is refused: must be a whole number from 1 to 600/,
    );
  });

  it('refuses at start more Quick Play bots than a room may have, naming the variable', async () => {
    await refusedStart(
      { QUICK_PLAY_BOTS: '16' },
      /^vehikill: could not start: QUICK_PLAY_BOTS '16' is refused: must be a whole number from 0 to 15/,
    );
    // The bound itself is taken.
    const run = runMain({ QUICK_PLAY_BOTS: '15' });
    await until(run, /^Vehikill: http/m);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
