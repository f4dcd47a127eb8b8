import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import type { RoomConnection } from 'vehikill-net/client';
import { Kind } from 'vehikill-net/protocol';
import { type AlertEvent, GameServer, ManualClock, PrometheusMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';
import { TestRoom } from './rooms-fixtures.js';

const ADMIN = 'admin-token-for-tests-0123456789';
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.restoreAllMocks();
});

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusText(await response.text());
}

/**
 * Scrapes until `ready` holds of what is served, within 5 s: a render is served again, to whoever
 * scrapes, for up to a second. Twice a second, the rate one address may keep up.
 */
async function scrapeUntil(
  url: string,
  ready: (families: ReturnType<typeof parsePrometheusText>) => boolean,
  what: string,
) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const families = await scrape(url);
    if (ready(families)) return families;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(500);
  }
}

describe('/metrics', () => {
  it('serves Prometheus text whose counters move as players join rooms and talk', async () => {
    t = await startServer(
      { test: TestRoom },
      { metrics: new PrometheusMetrics(), serverLink: { enabled: false } },
    );
    const before = await scrape(t.httpUrl);
    expect(sampleValue(before, 'vehikill_rooms')).toBe(0);

    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('test');
    const joined: RoomConnection = await bob.join(room.roomId);
    const heard: unknown[] = [];
    room.onMessage('chat', (line) => heard.push(line));
    for (let i = 0; i < 5; i++) joined.send('chat', { text: `line ${i}` });
    await eventually(() => heard.length === 5, 'chat delivered');
    // The server pings every second (heartbeatMs 1,000 in tests); a pong gives a round trip.
    await eventually(() => t?.server.sessionCount === 2, 'sessions');

    // Every render after the first is of what came after all this.
    const after = await scrapeUntil(t.httpUrl, (f) => sampleValue(f, 'vehikill_rooms') !== 0, 'a new render');
    expect(sampleValue(after, 'vehikill_rooms')).toBe(1);
    expect(sampleValue(after, 'vehikill_players')).toBe(2);
    expect(sampleValue(after, 'vehikill_connections')).toBe(2);
    expect(sampleValue(after, 'vehikill_sessions')).toBe(2);
    expect(sampleValue(after, 'vehikill_server_links', { path: 'tcp' })).toBe(2);
    expect(sampleValue(after, 'vehikill_connections_total')).toBe(2);
    expect(sampleValue(after, 'vehikill_rooms_created_total')).toBe(1);
    expect(sampleValue(after, 'vehikill_messages_in_total', { kind: 'hello' })).toBe(2);
    expect(sampleValue(after, 'vehikill_messages_in_total', { kind: 'client_room_message' })).toBe(5);
    expect(sampleValue(after, 'vehikill_messages_in_total', { kind: 'create_room' })).toBe(1);
    expect(sampleValue(after, 'vehikill_messages_out_total', { kind: 'welcome' })).toBe(2);
    // Five lines broadcast to two members.
    expect(sampleValue(after, 'vehikill_messages_out_total', { kind: 'server_room_message' })).toBe(10);
    expect(sampleValue(after, 'vehikill_bytes_in_total', { kind: 'client_room_message' })).toBeGreaterThan(
      5 * 6,
    );
    expect(sampleValue(after, 'vehikill_bytes_out_total', { kind: 'response' })).toBeGreaterThan(0);
    expect(after.get('vehikill_nodejs_eventloop_lag_p99_seconds')?.samples).toHaveLength(1);
    // A ping a second, and its pong: scraped until a round trip is in, not after a fixed wait.
    const timed = await scrapeUntil(
      t.httpUrl,
      (f) => (sampleValue(f, 'vehikill_rtt_ms_count') ?? 0) > 0,
      'a round trip',
    );
    expect(sampleValue(timed, 'vehikill_rtt_ms_count')).toBeGreaterThan(0);
  });

  it('records the ticks a room reports in the tick histogram and the history', async () => {
    class TickingRoom extends TestRoom {
      override onCreate(options: unknown): void {
        super.onCreate(options);
        this.onMessage('ticked', v.number(), (_client, ms) => this.reportTick(ms));
      }
    }
    t = await startServer(
      { arena: TickingRoom },
      { metrics: new PrometheusMetrics({ processMetrics: false }) },
    );
    const client = t.client();
    await client.connect();
    const room = await client.create('arena');
    for (const ms of [2, 3, 40]) room.send('ticked', ms);
    const families = await scrapeUntil(
      t.httpUrl,
      (f) => sampleValue(f, 'vehikill_tick_duration_ms_count', { room_type: 'arena' }) === 3,
      'three ticks',
    );
    expect(sampleValue(families, 'vehikill_tick_duration_ms_count', { room_type: 'arena' })).toBe(3);
    expect(sampleValue(families, 'vehikill_tick_duration_ms_sum', { room_type: 'arena' })).toBe(45);
    expect(sampleValue(families, 'vehikill_tick_duration_ms_bucket', { room_type: 'arena', le: '4' })).toBe(
      2,
    );
    t.server.monitoring.sample();
    expect(t.server.monitoring.history.latest('tick_p99_ms')).toBe(40);
  });

  it('keeps the round trip in every second of the history, so a rule on it fires between heartbeats', async () => {
    const events: AlertEvent[] = [];
    t = await startServer(
      { test: TestRoom },
      {
        // Pongs come one heartbeat apart: most seconds have none.
        heartbeatMs: 2_000,
        serverLink: { enabled: false },
        alerts: {
          defaults: false,
          rules: [
            { name: 'round-trips', series: 'rtt_p99_ms', condition: 'above', threshold: 0, forMs: 4_000 },
          ],
          onAlert: (event) => events.push(event),
        },
      },
    );
    const client = t.client();
    await client.connect();
    await eventually(
      () => events.some((event) => event.type === 'fired'),
      'the round-trip rule fired',
      15_000,
    );
    const { v: newest } = t.server.monitoring.history.series('rtt_p50_ms', 4);
    expect(newest).toHaveLength(4);
    for (const value of newest) expect(value).toBeGreaterThan(0);
  });

  it('wants the bearer token when metricsToken is set, and is absent with the default sink', async () => {
    t = await startServer(
      {},
      { metrics: new PrometheusMetrics({ processMetrics: false }), metricsToken: 'scrape-secret' },
    );
    const missing = await fetch(`${t.httpUrl}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${t.httpUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    await scrape(t.httpUrl, { authorization: 'Bearer scrape-secret' });
    // The scheme's name in any case, as HTTP has it.
    await scrape(t.httpUrl, { authorization: 'bearer scrape-secret' });
    await t.close();
    t = await startServer({});
    expect((await fetch(`${t.httpUrl}/metrics`)).status).toBe(404);
  });
});

describe('/analytics and /dashboard', () => {
  it('are off (404) without an admin token, and refuse (401) a wrong or missing one', async () => {
    t = await startServer({});
    for (const path of ['/analytics', '/dashboard', '/dashboard/api/state']) {
      expect((await fetch(t.httpUrl + path)).status).toBe(404);
    }
    await t.close();
    t = await startServer({}, { adminToken: ADMIN });
    for (const path of ['/analytics', '/dashboard/api/state']) {
      const missing = await fetch(t.httpUrl + path);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      const anyCase = await fetch(t.httpUrl + path, { headers: { authorization: `BEARER ${ADMIN}` } });
      expect(anyCase.status).toBe(200);
      const wrong = await fetch(t.httpUrl + path, { headers: { authorization: `Bearer ${ADMIN}x` } });
      expect(wrong.status).toBe(401);
      const cookie = await fetch(t.httpUrl + path, { headers: { cookie: `vehikill_admin=${ADMIN}` } });
      expect(cookie.status).toBe(401); // the cookie is an HMAC, not the token
    }
    const page = await fetch(`${t.httpUrl}/dashboard`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('name="token"');
    expect((await fetch(`${t.httpUrl}/dashboard?token=nope`, { redirect: 'manual' })).status).toBe(401);
  });

  it('sets a Secure cookie behind a proxy that took the browser in over TLS', async () => {
    const server = await startServer({}, { adminToken: ADMIN, trustProxy: 1 });
    t = server;
    const login = (proto: string) =>
      fetch(`${server.httpUrl}/dashboard?token=${ADMIN}`, {
        redirect: 'manual',
        headers: { 'x-forwarded-proto': proto, 'x-forwarded-for': '203.0.113.9' },
      });
    expect((await login('https')).headers.get('set-cookie')).toMatch(/; Secure/);
    expect((await login('http')).headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('logs in with ?token= into an HttpOnly cookie that opens the page and the API', async () => {
    t = await startServer({ test: TestRoom }, { adminToken: ADMIN });
    const login = await fetch(`${t.httpUrl}/dashboard?token=${ADMIN}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/dashboard');
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).not.toContain(ADMIN);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP, no proxy
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await fetch(`${t.httpUrl}/dashboard`, { headers: { cookie } });
    expect([200, 503]).toContain(page.status); // 503 only if the bundle was not built

    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('test');
    const state = await fetch(`${t.httpUrl}/dashboard/api/state`, { headers: { cookie } });
    expect(state.status).toBe(200);
    const body = (await state.json()) as { rooms: { roomId: string; players: { name: string }[] }[] };
    expect(body.rooms.map((r) => r.roomId)).toEqual([room.roomId]);
    expect(body.rooms[0]?.players.map((p) => p.name)).toEqual(['Alice']);
  });

  it('answers a state request whose seconds is no whole count of seconds with 400 INVALID_MESSAGE', async () => {
    t = await startServer({ test: TestRoom }, { adminToken: ADMIN });
    const state = (query: string) =>
      fetch(`${t?.httpUrl}/dashboard/api/state${query}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    // The history holds one value a second: a fraction of a second names no point of it.
    for (const seconds of ['2.5', 'abc', '', '0', '-3', '1e2', '0x10']) {
      const answer = await state(`?seconds=${seconds}`);
      expect(answer.status, seconds).toBe(400);
      expect(await answer.json()).toEqual({
        code: 'INVALID_MESSAGE',
        message: 'seconds must be a whole number of seconds, 1 or more',
      });
    }
    for (const query of ['', '?seconds=1', '?seconds=60', '?seconds=99999999999']) {
      expect((await state(query)).status, query).toBe(200);
    }
  });

  it("serves the dashboard's files and 404s any other name, Object.prototype's members too", async () => {
    const dashboardDir = mkdtempSync(join(tmpdir(), 'vehikill-dashboard-'));
    for (const name of ['index.html', 'dashboard.js', 'dashboard.css']) {
      writeFileSync(join(dashboardDir, name), `/* ${name} */`);
    }
    t = await startServer({}, { adminToken: ADMIN, dashboardDir });
    const script = await fetch(`${t.httpUrl}/dashboard/dashboard.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toBe('/* dashboard.js */');
    for (const name of ['nope.js', 'toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
      const response = await fetch(`${t.httpUrl}/dashboard/${name}`);
      expect({ name, status: response.status }).toEqual({ name, status: 404 });
    }
  });

  it('cuts an oversized login body without logging a server failure, and keeps serving', async () => {
    t = await startServer({}, { adminToken: ADMIN });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const oversized = `token=${'x'.repeat(64 * 1024)}`;
    for (let i = 0; i < 3; i++) {
      await fetch(`${t.httpUrl}/dashboard/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: oversized,
      }).catch(() => undefined); // the server cuts the request: the fetch may fail
    }
    const login = await fetch(`${t.httpUrl}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${ADMIN}`,
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    // A client's oversized body is bad input, not a failure of the server: no stack traces to flood the log.
    expect(logged).not.toHaveBeenCalled();
  });

  it('reports anonymous aggregates with no address and no raw player id', async () => {
    t = await startServer({ test: TestRoom }, { adminToken: ADMIN, serverLink: { enabled: false } });
    const clients = [t.client(), t.client(), t.client()];
    await Promise.all(clients.map((client) => client.connect()));
    await clients[0]?.create('test');
    const ids = clients.map((client) => client.playerId ?? '');
    t.server.monitoring.sample();
    t.server.monitoring.analytics?.optOut(ids[2] ?? '');
    for (const client of clients) client.close();
    await eventually(() => t?.server.sessionCount === 0, 'sessions ended');
    t.server.monitoring.sample();

    const response = await fetch(`${t.httpUrl}/analytics`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const report = JSON.parse(text);
    expect(report.sessions).toMatchObject({ active: 0, ended: 2 });
    expect(report.linkTypes).toEqual({ relayed: 2 });
    expect(report.recent).toHaveLength(2);
    for (const id of ids) expect(id.length).toBeGreaterThan(4);
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/);
    expect(text).not.toMatch(/Mozilla|user-?agent|node/i);
  });
});

describe('history and alerts in a running server', () => {
  it('fires an alert on an error spike (hook and webhook), clears it, and keeps history across a restart', async () => {
    const received: unknown[] = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
    const historyFile = join(mkdtempSync(join(tmpdir(), 'vehikill-history-')), 'history.json');
    const clock = new ManualClock(1_700_000_000_000);
    const events: AlertEvent[] = [];
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const options = {
      clock,
      historyFile,
      alertWebhookUrl: webhook,
      alerts: {
        defaults: false,
        rules: [
          {
            name: 'bad-input',
            series: 'errors_per_s',
            condition: 'above' as const,
            threshold: 2,
            forMs: 2_000,
            clearAfterMs: 3_000,
          },
        ],
        onAlert: (event: AlertEvent) => events.push(event),
      },
    };
    t = await startServer({}, options);
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken());
    await raw.opened;
    // With a session: before the hello, the first fault closes the connection.
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    raw.frames.length = 0;
    const spam = async (count: number) => {
      const before = events.length;
      for (let i = 0; i < count; i++) raw.socket.send('not binary');
      await eventually(
        () => raw.frames.length >= count || raw.closeCode !== undefined || events.length > before,
        'faults answered',
      );
      raw.frames.length = 0;
    };
    // Errors above 2/s for two seconds: fires at the second.
    await spam(5);
    clock.advance(1_000);
    expect(events).toEqual([]);
    await spam(5);
    clock.advance(1_000);
    expect(events.map((e) => [e.type, e.alert.rule])).toEqual([['fired', 'bad-input']]);
    expect(t.server.monitoring.alerts.active).toHaveLength(1);
    // Quiet for three seconds: clears.
    clock.advance(2_000);
    expect(events).toHaveLength(1);
    clock.advance(1_000);
    expect(events.map((e) => e.type)).toEqual(['fired', 'cleared']);
    expect(t.server.monitoring.alerts.past[0]).toMatchObject({ rule: 'bad-input' });
    await eventually(() => received.length === 2, 'webhook calls');
    expect(received).toEqual([
      expect.objectContaining({ type: 'fired', alert: expect.objectContaining({ rule: 'bad-input' }) }),
      expect.objectContaining({ type: 'cleared', nodeId: t.server.nodeId }),
    ]);

    const errors = t.server.monitoring.history.series('errors_per_s').v;
    expect(errors).toEqual([5, 5, 0, 0, 0]);
    raw.socket.close();
    await t.close();
    t = await startServer({}, { clock, historyFile });
    expect(t.server.monitoring.history.series('errors_per_s').v).toEqual([5, 5, 0, 0, 0]);
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  it('saves the history every historySaveMs while running, so a crash loses at most that much', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const historyFile = join(mkdtempSync(join(tmpdir(), 'vehikill-history-')), 'history.json');
    t = await startServer({}, { clock, historyFile, historySaveMs: 3_000 });
    for (let s = 0; s < 2; s++) clock.advance(1_000);
    expect(existsSync(historyFile)).toBe(false);
    clock.advance(1_000);
    // A save ends with an fsync, which a machine busy writing elsewhere can hold for seconds.
    await eventually(() => existsSync(historyFile), 'the first save', 20_000);
    // What a crash right now would leave: the seconds sampled up to the save (the third may come after it).
    const rooms = () => JSON.parse(readFileSync(historyFile, 'utf8')).series.rooms as number[];
    expect(rooms().length).toBeGreaterThanOrEqual(2);
    expect(rooms().every((value) => value === 0)).toBe(true);
    // The next saves, as the clock runs on. The file can show before the save that wrote it is done (the
    // rename's completion waits its turn on a busy event loop), and a save due while the last is still under
    // way is skipped: the one after it goes.
    for (let s = 0; s < 3; s++) clock.advance(1_000);
    await eventually(
      () => {
        if (rooms().length >= 5) return true;
        clock.advance(1_000);
        return false;
      },
      'the next save',
      20_000,
    );
    expect(() => new GameServer({ historySaveMs: 500 })).toThrow(/historySaveMs/);
  }, 60_000);

  it('refuses a metricsToken that a bare "Bearer" header would match, or none would', () => {
    for (const metricsToken of ['', ' scrape-secret ']) {
      expect(() => new GameServer({ metricsToken })).toThrow(/metricsToken/);
    }
  });

  it('refuses a metricsRenderTimeoutMs that would give up every render, or none', () => {
    for (const metricsRenderTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new GameServer({ metricsRenderTimeoutMs })).toThrow(/metricsRenderTimeoutMs/);
    }
  });

  it('refuses at construction an alert rule that could never fire', () => {
    const rule = { name: 'typo', series: 'errors_per_sec', condition: 'above' as const, threshold: 1 };
    expect(() => new GameServer({ alerts: { rules: [rule] } })).toThrow(TypeError);
    expect(() => new GameServer({ alerts: { rules: [rule] } })).toThrow(/'typo'.*'errors_per_sec'/);
    const negative = { ...rule, name: 'neg', series: 'players', forMs: -5 };
    expect(() => new GameServer({ alerts: { rules: [negative] } })).toThrow(/'neg'.*forMs/);
    const never = { ...rule, name: 'nan', series: 'players', clearAfterMs: Number.NaN };
    expect(() => new GameServer({ alerts: { rules: [never] } })).toThrow(/'nan'.*clearAfterMs/);
  });

  it('records again at once when the saved history ends after now (the clock went back)', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const historyFile = join(mkdtempSync(join(tmpdir(), 'vehikill-history-')), 'history.json');
    // Written by a node whose clock ran an hour ahead, or before an NTP step back.
    const end = clock.now() + 3_600_000;
    writeFileSync(
      historyFile,
      JSON.stringify({ version: 1, resolutionMs: 1000, end, series: { rooms: [7, 7] } }),
    );
    t = await startServer({}, { clock, historyFile });
    clock.advance(1_000);
    clock.advance(1_000);
    const rooms = t.server.monitoring.history.series('rooms');
    expect(rooms.v.slice(-2)).toEqual([0, 0]);
    expect(rooms.t.at(-1)).toBe(clock.now());
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ends in the future'));
  });

  it('survives a webhook that hangs or is not there', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const hanging: Server = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    t = await startServer(
      {},
      {
        clock,
        alertWebhookUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`,
        alerts: {
          defaults: false,
          webhookTimeoutMs: 200,
          rules: [{ name: 'no-rooms', series: 'rooms', condition: 'below', threshold: 1 }],
        },
      },
    );
    clock.advance(1_000);
    expect(t.server.monitoring.alerts.active).toHaveLength(1);
    await eventually(
      () => warn.mock.calls.some((call) => String(call[0]).includes('webhook failed')),
      'timeout logged',
    );
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });
});
