import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { Client, ClientOptions } from 'vehikill-net/client';
import { ErrorCode, Kind, PROTOCOL_VERSION } from 'vehikill-net/protocol';
import { CountingMetrics, type GameServerOptions } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * Sessions that ask for a direct server link, never answer the server's offer and ask to retry all the
 * time must not keep other players' handshakes waiting: the pacer's slots are shared by address, and
 * within an address a new session goes before sessions retrying.
 */
const HOSTILE = '203.0.113.66';

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

let t: TestServer | undefined;
const raws: RawClient[] = [];
const timers: ReturnType<typeof setInterval>[] = [];
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const raw of raws.splice(0)) raw.close();
  await t?.close();
  t = undefined;
});

async function serve(
  serverLink: NonNullable<GameServerOptions['serverLink']> = {},
  metrics?: CountingMetrics,
) {
  t = await startServer(
    {},
    {
      trustProxy: 1,
      serverLink: { bindAddress: '127.0.0.1', ...serverLink },
      ...(metrics ? { metrics } : {}),
    },
  );
  return t;
}

/**
 * A bare session from `address` that asks for a direct link (and, unless told, answers nothing); with
 * `resume` (and the session's token), a resume of that session.
 */
async function linkSession(
  server: TestServer,
  address: string,
  token = server.server.issueGuestToken(),
  resume?: { playerId: string; token: string; ack: number },
): Promise<RawClient> {
  const raw = new RawClient(server.wsUrl, token, { 'x-forwarded-for': address });
  raws.push(raw);
  await raw.opened;
  raw.send(Kind.Hello, { v: PROTOCOL_VERSION, link: true, ...(resume ? { resume } : {}) });
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}

/** Sessions that never answer and ask to retry every 100 ms (which also keeps their sockets heard). */
async function hostileSessions(server: TestServer, count: number, address = HOSTILE): Promise<RawClient[]> {
  const hostile = await Promise.all(Array.from({ length: count }, () => linkSession(server, address)));
  timers.push(
    setInterval(() => {
      for (const raw of hostile) raw.send(Kind.LinkSignalToServer, { n: 0, retry: true });
    }, 100),
  );
  return hostile;
}

const OUTCOMES = ['direct', 'no-answer', 'bad-answer', 'timeout', 'failed', 'abandoned'];

const offers = (raw: RawClient) =>
  raw.received(Kind.LinkSignalFromServer).filter((signal) => 'description' in (signal.s as object));

async function directClient(server: TestServer): Promise<Client> {
  const client = server.client({ serverLink: nodeRtc });
  await client.connect();
  return client;
}

describe('server-link handshake slots are shared fairly', () => {
  it('a player of another address gets a direct link while 16 sessions hog handshakes; a direct one stays', async () => {
    const server = await serve();
    const pacer = server.server.serverLinks.pacer;
    const before = await directClient(server);
    await eventually(
      () => before.serverLink.state === 'direct',
      'a direct link before the hogs came',
      10_000,
    );
    await hostileSessions(server, 16);
    // Every hostile session has its request in: in progress or waiting.
    await eventually(() => pacer.running + pacer.waiting >= 16, 'the hostile requests', 5_000);
    let hostileMost = 0;
    const sample = setInterval(() => {
      hostileMost = Math.max(hostileMost, pacer.runningFor(HOSTILE));
    }, 20);
    timers.push(sample);
    const honest = await directClient(server);
    // Without fairness this takes past the hostile attempts' 10 s timeout (the old first come first served).
    await eventually(
      () => honest.serverLink.state === 'direct',
      'a direct link for the honest player',
      8_000,
    );
    // ...while the hostile sessions were still at it: their requests still waiting. Alone, their address may
    // go over its share, but never into the last 2 slots (of 8), kept for other addresses.
    expect(pacer.waiting).toBeGreaterThan(0);
    expect(hostileMost).toBeLessThanOrEqual(6);
    expect(before.serverLink.state).toBe('direct');
  }, 30_000);

  it('a new session of the same address goes ahead of that address’s sessions retrying', async () => {
    // Four slots, two per address: six hostile sessions would hold every slot first come first served.
    const server = await serve({
      maxConcurrentHandshakes: 4,
      maxHandshakesPerAddress: 2,
      answerTimeoutMs: 500,
    });
    const pacer = server.server.serverLinks.pacer;
    const hostile = await hostileSessions(server, 6);
    // Each has had an offer and let it go unanswered: what they ask for now are retries.
    await eventually(() => hostile.every((raw) => offers(raw).length >= 1), 'a first offer to each', 8_000);
    const newcomer = await linkSession(server, HOSTILE);
    await eventually(() => offers(newcomer).length === 1, "the newcomer's offer", 4_000);
    expect(pacer.waiting).toBeGreaterThan(0); // the retrying sessions still wait behind it
  }, 30_000);

  it('stops attempting after maxFailedAttempts in a row: the client is told, the metrics count it', async () => {
    const metrics = new CountingMetrics();
    const server = await serve({ answerTimeoutMs: 300, maxFailedAttempts: 2, retryMs: 1_000 }, metrics);
    const [hostile] = await hostileSessions(server, 1);
    if (!hostile) throw new Error('no session');
    await eventually(
      () => hostile.received(Kind.Error).some((error) => error.code === ErrorCode.SERVER_LINK_UNAVAILABLE),
      'the notice that attempts stopped',
      5_000,
    );
    expect(offers(hostile).length).toBe(2);
    await sleep(1_500); // retrying all the while
    expect(offers(hostile).length).toBe(2);
    expect(hostile.closeCode).toBeUndefined(); // a notice: the session goes on in TCP mode
    expect(metrics.total('server_link_given_up_total')).toBe(1);
    expect(metrics.total('server_link_attempts_total', { outcome: 'no-answer' })).toBe(2);
    // A session of another address is not concerned.
    const other = await linkSession(server, '198.51.100.7');
    await eventually(() => offers(other).length === 1, 'an offer to another session', 4_000);
  }, 30_000);
});

describe('server-link handshake slots are given back as soon as an attempt cannot go on', () => {
  it('a description the link refuses ends the attempt at once, as a failure', async () => {
    const metrics = new CountingMetrics();
    const server = await serve({}, metrics);
    const pacer = server.server.serverLinks.pacer;
    const hostile = await linkSession(server, HOSTILE);
    await eventually(() => offers(hostile).length === 1, 'an offer', 5_000);
    const [offer] = offers(hostile);
    const sentAt = Date.now();
    // Not an answer: were the answer timer stopped by any description, the slot would be held 10 s.
    hostile.send(Kind.LinkSignalToServer, {
      n: offer?.n ?? 0,
      s: { description: { type: 'offer', sdp: 'x' } },
    });
    await eventually(() => pacer.runningFor(HOSTILE) === 0, 'the slot given back', 2_000);
    expect(Date.now() - sentAt).toBeLessThan(2_000); // not the 5 s answer timeout either
    expect(metrics.total('server_link_attempts_total', { outcome: 'bad-answer' })).toBe(1);
  }, 20_000);

  it('a request whose turn comes while its player is away starts nothing; their resume starts it', async () => {
    const metrics = new CountingMetrics();
    // One slot. The first session holds it until its offer goes unanswered, then gives up (no retry).
    const server = await serve(
      {
        maxConcurrentHandshakes: 1,
        maxHandshakesPerAddress: 1,
        answerTimeoutMs: 1_500,
        maxFailedAttempts: 1,
      },
      metrics,
    );
    const pacer = server.server.serverLinks.pacer;
    await linkSession(server, HOSTILE);
    await eventually(() => pacer.running === 1, 'the first session holds the slot', 3_000);
    const token = server.server.issueGuestToken();
    const away = await linkSession(server, '198.51.100.7', token);
    await eventually(() => pacer.waiting === 1, 'the second waits', 3_000);
    const { playerId, resumeToken } = away.received(Kind.Welcome)[0] ?? { playerId: '', resumeToken: '' };
    away.close(); // away, within the grace period
    await eventually(
      () => metrics.total('server_link_attempts_total', { outcome: 'no-answer' }) === 1,
      "the first session's attempt ended",
      5_000,
    );
    await eventually(
      () => pacer.running === 0 && pacer.waiting === 0,
      'the slot free, nothing waiting',
      1_000,
    );
    await sleep(100);
    expect(pacer.running).toBe(0);
    expect(metrics.total('server_link_handshakes_total')).toBe(1);
    const back = await linkSession(server, '198.51.100.7', token, { playerId, token: resumeToken, ack: 0 });
    await eventually(() => offers(back).length === 1, 'an offer after the resume', 3_000);
    expect(metrics.total('server_link_attempts_total', { outcome: 'failed' })).toBe(0);
  }, 20_000);

  it('every handshake started has one outcome: one cut short by the end of its session is abandoned', async () => {
    const metrics = new CountingMetrics();
    const server = await serve({}, metrics);
    const pacer = server.server.serverLinks.pacer;
    const refused = await linkSession(server, HOSTILE);
    await eventually(() => offers(refused).length === 1, 'an offer', 5_000);
    refused.send(Kind.LinkSignalToServer, {
      n: offers(refused)[0]?.n ?? 0,
      s: { description: { type: 'answer', sdp: 'x' } },
    });
    const leaving = await linkSession(server, '198.51.100.7');
    await eventually(() => offers(leaving).length === 1, 'an offer', 5_000);
    leaving.socket.close(1000); // the player leaves while the attempt is in progress
    await eventually(() => pacer.running === 0, 'the slots given back', 3_000);
    await eventually(
      () => metrics.total('server_link_attempts_total', { outcome: 'abandoned' }) === 1,
      'the abandoned attempt counted',
      2_000,
    );
    const outcomes = OUTCOMES.reduce(
      (sum, outcome) => sum + metrics.total('server_link_attempts_total', { outcome }),
      0,
    );
    expect(metrics.total('server_link_handshakes_total')).toBe(2);
    expect(outcomes).toBe(2);
  }, 20_000);
});
