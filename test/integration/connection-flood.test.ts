import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { ErrorCode } from 'vehikill-net/protocol';
import { CountingMetrics, type GameServerOptions, ManualClock } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await t?.close();
  t = undefined;
});

async function serve(options: GameServerOptions): Promise<{ t: TestServer; metrics: CountingMetrics }> {
  const metrics = new CountingMetrics();
  t = await startServer({ room: TestRoom }, { metrics, ...options });
  return { t, metrics };
}

type Outcome =
  | { open: true; socket: WebSocket }
  | { open: false; status: number; body: string; retryAfter: string | undefined };

/**
 * A raw upgrade, as through one reverse proxy saying the client is at `address` (when given).
 * A connection the server closes unanswered is status 0.
 */
function upgrade(server: TestServer, address?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `${server.wsUrl}?token=${server.server.issueGuestToken()}`,
      address === undefined ? {} : { headers: { 'x-forwarded-for': address } },
    );
    sockets.push(socket);
    socket.once('open', () => resolve({ open: true, socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => {
        const retryAfter = response.headers['retry-after'];
        resolve({ open: false, status: response.statusCode ?? 0, body, retryAfter });
      });
    });
    socket.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || /socket hang up/.test(error.message))
        resolve({ open: false, status: 0, body: '', retryAfter: undefined });
      else reject(error);
    });
  });
}

/** Tries an upgrade every 20 ms for up to 2 s (a closed socket's slot comes back once the server sees it go). */
async function openWithin(server: TestServer, address: string): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await upgrade(server, address)).open) return true;
    await sleep(20);
  }
  return false;
}

describe('connections per address', () => {
  it('refuses an address past maxConnectionsPerAddress with 429 RATE_LIMITED, others unaffected', async () => {
    const { t, metrics } = await serve({ trustProxy: 1, maxConnectionsPerAddress: 3 });
    for (let i = 0; i < 3; i++) expect((await upgrade(t, '203.0.113.7')).open).toBe(true);
    const refused = await upgrade(t, '203.0.113.7');
    expect(refused.open).toBe(false);
    if (refused.open) return;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({
      code: ErrorCode.RATE_LIMITED,
      message: 'too many connections from your address',
    });
    expect(metrics.total('handshakes_refused_total', { code: ErrorCode.RATE_LIMITED })).toBe(1);
    // Another address, and a whole Client there, are not held back by the flooder.
    expect((await upgrade(t, '198.51.100.1')).open).toBe(true);
    const player = t.client();
    await player.connect();
    expect((await player.create('room')).roomId).toBeTruthy();
    player.close();
  });

  it('counts an IPv6 address as its /64', async () => {
    const { t } = await serve({ trustProxy: 1, maxConnectionsPerAddress: 2 });
    expect((await upgrade(t, '2001:db8:1:2::a')).open).toBe(true);
    expect((await upgrade(t, '2001:db8:1:2:ffff::b')).open).toBe(true);
    expect((await upgrade(t, '2001:db8:1:2::c')).open).toBe(false);
    expect((await upgrade(t, '2001:db8:1:3::a')).open).toBe(true);
  });

  it('gives the slot back when a connection closes, and for refused credentials', async () => {
    const { t } = await serve({ trustProxy: 1, maxConnectionsPerAddress: 2 });
    const first = await upgrade(t, '203.0.113.9');
    expect((await upgrade(t, '203.0.113.9')).open).toBe(true);
    expect((await upgrade(t, '203.0.113.9')).open).toBe(false);
    if (!first.open) throw new Error('the first connection was refused');
    first.socket.close();
    expect(await openWithin(t, '203.0.113.9')).toBe(true);
    // Upgrades whose token the authenticator refuses are completed and closed: their slots come back too.
    for (const socket of sockets) socket.terminate();
    for (let i = 0; i < 5; i++) {
      const bad = new WebSocket(`${t.wsUrl}?token=forged`, {
        headers: { 'x-forwarded-for': '203.0.113.10' },
      });
      sockets.push(bad);
      await new Promise((resolve) => bad.once('close', resolve));
    }
    expect(await openWithin(t, '203.0.113.10')).toBe(true);
    expect((await upgrade(t, '203.0.113.10')).open).toBe(true);
  });

  it('without trustProxy, counts the socket address whatever X-Forwarded-For says', async () => {
    const { t } = await serve({ maxConnectionsPerAddress: 2 });
    expect((await upgrade(t, '203.0.113.1')).open).toBe(true);
    expect((await upgrade(t, '203.0.113.2')).open).toBe(true);
    // Its TCP connection is answered and closed before its request is read, as every one over the bound.
    const refused = await upgrade(t, '203.0.113.3');
    expect(refused).toMatchObject({ open: false, status: 429 });
    if (!refused.open) expect(JSON.parse(refused.body)).toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });

  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes a refused upgrade whose peer never closes its end (no descriptor kept per refusal)',
    async () => {
      // Behind a proxy: without trustProxy, a connection over the bound is closed before any answer.
      const { t } = await serve({ trustProxy: 1, maxConnectionsPerAddress: 1 });
      const raw: Socket[] = [];
      /** An upgrade on a socket that answers nothing and never ends its side; resolves at the reply. */
      const rawUpgrade = (token: string) =>
        new Promise<void>((resolve) => {
          const socket = connect({ port: t.port, host: '127.0.0.1', allowHalfOpen: true });
          raw.push(socket);
          socket.on('error', () => {});
          socket.once('data', () => resolve());
          socket.write(
            `GET /ws?token=${token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          );
        });
      try {
        await rawUpgrade(t.server.issueGuestToken()); // the address's only slot
        const descriptors = () => readdirSync('/proc/self/fd').length;
        const before = descriptors();
        for (let i = 0; i < 40; i++) await rawUpgrade(t.server.issueGuestToken()); // each refused with 429
        await sleep(500);
        // The 40 client ends stay open here (this process is both sides); the server's 40 are closed.
        expect(descriptors() - before).toBeLessThanOrEqual(40);
      } finally {
        for (const socket of raw) socket.destroy();
      }
    },
  );

  it('refuses an address past connectBurst and connectsPerSecond with 429 and Retry-After, before authentication', async () => {
    const clock = new ManualClock(0);
    const { t, metrics } = await serve({ trustProxy: 1, connectBurst: 3, connectsPerSecond: 0.5, clock });
    // Closed at once, so that only the rate can refuse (each slot comes back).
    for (let i = 0; i < 3; i++) {
      const opened = await upgrade(t, '203.0.113.20');
      expect(opened.open).toBe(true);
      if (opened.open) opened.socket.terminate();
    }
    const refused = await upgrade(t, '203.0.113.20');
    expect(refused).toMatchObject({ open: false, status: 429, retryAfter: '2' });
    if (refused.open) return;
    expect(JSON.parse(refused.body)).toEqual({
      code: ErrorCode.RATE_LIMITED,
      message: 'too many connections opened from your address',
    });
    // Refused before the authenticator: a forged token is answered the same.
    const forged = new WebSocket(`${t.wsUrl}?token=forged`, {
      headers: { 'x-forwarded-for': '203.0.113.20' },
    });
    sockets.push(forged);
    forged.on('error', () => {});
    const status = await new Promise<number>((resolve) =>
      forged.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
    );
    expect(status).toBe(429);
    expect(metrics.total('handshakes_refused_total', { code: ErrorCode.RATE_LIMITED })).toBe(2);
    expect(metrics.total('auth_failures_total')).toBe(0);
    // Other addresses are not held back, and the address may go on at its rate.
    expect((await upgrade(t, '198.51.100.20')).open).toBe(true);
    clock.advance(1_999);
    expect((await upgrade(t, '203.0.113.20')).open).toBe(false);
    clock.advance(1);
    expect((await upgrade(t, '203.0.113.20')).open).toBe(true);
    expect((await upgrade(t, '203.0.113.20')).open).toBe(false);
  });

  it('upgrades refused while the address holds all its slots do not spend its connection rate', async () => {
    const clock = new ManualClock(0);
    const { t } = await serve({ trustProxy: 1, maxConnectionsPerAddress: 2, connectBurst: 3, clock });
    const held = await upgrade(t, '203.0.113.30');
    expect((await upgrade(t, '203.0.113.30')).open).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect(await upgrade(t, '203.0.113.30')).toMatchObject({ open: false, status: 429 });
    }
    if (!held.open) throw new Error('the first connection was refused');
    held.socket.close();
    // The third connection of the burst, whatever was refused for slots meanwhile.
    expect(await openWithin(t, '203.0.113.30')).toBe(true);
  });

  it('rejects a connectBurst below 1 and a connectsPerSecond of 0', async () => {
    await expect(serve({ connectBurst: 0 })).rejects.toThrow(/connectBurst/);
    await expect(serve({ connectsPerSecond: 0 })).rejects.toThrow(/connectsPerSecond/);
  });

  it('rejects a maxConnectionsPerAddress below 1', async () => {
    await expect(serve({ maxConnectionsPerAddress: 0 })).rejects.toThrow(/maxConnectionsPerAddress/);
  });
});

/** A socket that sends the start of a request and nothing more, as an idle-socket flooder does. */
function idleSocket(port: number): { socket: Socket; closed: Promise<void>; answer: () => string } {
  const socket = connect({ port, host: '127.0.0.1' });
  let answer = '';
  socket.on('error', () => {});
  socket.on('data', (bytes: Buffer) => {
    answer += bytes.toString();
  });
  socket.write('GET / HTTP/1.1\r\n');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed, answer: () => answer };
}

/** Resolves true if `closed` settles within `ms`, false if not. */
function closesWithin(closed: Promise<void>, ms: number): Promise<boolean> {
  return Promise.race([closed.then(() => true), sleep(ms).then(() => false)]);
}

describe('TCP connections per address', () => {
  const held: Socket[] = [];
  afterEach(() => {
    for (const socket of held.splice(0)) socket.destroy();
  });

  it('counts idle HTTP sockets against maxConnectionsPerAddress: one over it is refused at once, unread', async () => {
    const { t, metrics } = await serve({ maxConnectionsPerAddress: 3 });
    const idle = [0, 1, 2].map(() => idleSocket(t.port));
    held.push(...idle.map((each) => each.socket));
    await Promise.all(idle.map((each) => new Promise((resolve) => each.socket.once('connect', resolve))));
    const over = idleSocket(t.port);
    held.push(over.socket);
    // Long before the 10 s header timeout that would close it otherwise.
    expect(await closesWithin(over.closed, 2_000)).toBe(true);
    // Told why, in the JSON error shape, without the server waiting for the rest of its request.
    expect(over.answer()).toMatch(/^HTTP\/1\.1 429 /);
    expect(over.answer()).toContain(`"code":"${ErrorCode.RATE_LIMITED}"`);
    expect(metrics.total('handshakes_refused_total', { code: ErrorCode.RATE_LIMITED })).toBe(1);
    for (const each of idle) expect(each.socket.destroyed).toBe(false);
    // One goes: its slot comes back, and an honest request gets through.
    idle[0]?.socket.destroy();
    await idle[0]?.closed;
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      status = await fetch(`${t.httpUrl}/healthz`, { headers: { connection: 'close' } })
        .then((response) => response.status)
        .catch(() => 0);
      if (status !== 200) await sleep(20);
    }
    expect(status).toBe(200);
  });

  it('counts a WebSocket once, its upgrade on an accepted connection taking no second slot', async () => {
    const { t } = await serve({ maxConnectionsPerAddress: 2 });
    expect((await upgrade(t)).open).toBe(true);
    expect((await upgrade(t)).open).toBe(true);
    // Both slots are the two WebSockets: a third connection, even a plain request, is closed.
    const over = idleSocket(t.port);
    held.push(over.socket);
    expect(await closesWithin(over.closed, 2_000)).toBe(true);
  });

  it('serves many requests on one kept-alive connection within a bound of 1', async () => {
    const { t } = await serve({ maxConnectionsPerAddress: 1 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 5; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          http
            .get(`${t.httpUrl}/healthz`, { agent }, (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            })
            .on('error', reject);
        });
        expect(status).toBe(200);
      }
    } finally {
      agent.destroy();
    }
  });

  it('with trustProxy, leaves the proxy its connections: the bound counts the forwarded addresses', async () => {
    const { t } = await serve({ trustProxy: 1, maxConnectionsPerAddress: 2 });
    const idle = [0, 1, 2, 3].map(() => idleSocket(t.port));
    held.push(...idle.map((each) => each.socket));
    await Promise.all(idle.map((each) => new Promise((resolve) => each.socket.once('connect', resolve))));
    await sleep(200);
    for (const each of idle) expect(each.socket.destroyed).toBe(false);
    expect((await upgrade(t, '203.0.113.1')).open).toBe(true);
    expect((await upgrade(t, '203.0.113.2')).open).toBe(true);
  });
});
