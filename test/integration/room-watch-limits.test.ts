import { type Body, Kind, type ProtocolError } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * What lobby watches (`client.watchRooms`) may hold on a node: a watch goes with its session, and one
 * address cannot take the node's distinct watched queries from everyone else.
 */
let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await t?.close();
  t = undefined;
});

/** The address the attacking sessions claim, through the one proxy the server trusts. */
const ATTACKER = '203.0.113.7';

/** A raw session from `address` (as the trusted proxy names it), welcomed. */
async function session(server: TestServer, name: string, address = ATTACKER): Promise<RawClient> {
  const raw = new RawClient(server.wsUrl, server.server.issueGuestToken(name), {
    'x-forwarded-for': address,
  });
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}

/** Watches `filter` on a raw session: the answer. */
async function watch(raw: RawClient, filter: string): Promise<Body<typeof Kind.Response>> {
  const before = raw.received(Kind.Response).length;
  raw.send(Kind.WatchRooms, { rid: before + 1, filter: { k: filter } });
  await eventually(() => raw.received(Kind.Response).length > before, 'watch answer');
  return raw.received(Kind.Response)[before] as Body<typeof Kind.Response>;
}

async function inBatches(count: number, each: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += 32) {
    await Promise.all(Array.from({ length: Math.min(32, count - start) }, (_, j) => each(start + j)));
  }
}

describe('lobby watch limits', () => {
  it('releases a watch when its session ends, cleanly or past its grace, with no listing change', async () => {
    t = await startServer({ test: TestRoom }, { trustProxy: 1, graceMs: 150 });
    const { watchers } = t.server.rooms;
    const lobby = t.client();
    await lobby.connect();
    await lobby.watchRooms({ type: 'test' });
    expect(watchers.size).toBe(1);
    lobby.close();
    await eventually(() => watchers.size === 0, 'the watch of a closed session released');

    // A dropped socket: the watch is kept through the grace period (a resume keeps it), then released.
    const dropped = await session(t, 'dropped');
    expect((await watch(dropped, 'a')).ok).toBe(true);
    dropped.close();
    await dropped.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(watchers.size).toBe(1);
    await eventually(() => watchers.size === 0, 'the watch of an expired session released');
    expect(watchers.queries).toBe(0);
  });

  it("an address's ended sessions leave no watches behind: another player still watches", async () => {
    t = await startServer({ test: TestRoom }, { trustProxy: 1 });
    const server = t;
    await inBatches(256, async (i) => {
      const raw = await session(server, `w${i}`);
      await watch(raw, `q${i}`);
      raw.socket.close(1000);
      await raw.closed;
    });
    await eventually(() => server.server.sessionCount === 0, 'every session ended');
    expect(server.server.rooms.watchers.size).toBe(0);
    const honest = server.client();
    await honest.connect();
    await expect(honest.watchRooms({ type: 'test' })).resolves.toBeDefined();
  });

  it("one address's live sessions take at most half the node's distinct queries, and are told why", async () => {
    t = await startServer({ test: TestRoom }, { trustProxy: 1 });
    const server = t;
    const answers: Body<typeof Kind.Response>[] = [];
    // All but one of the connections an address may hold.
    await inBatches(255, async (i) => {
      answers[i] = await watch(await session(server, `w${i}`), `q${i}`);
    });
    // Past its share (16) while the node had room to spare: up to half the node's 256.
    const accepted = answers.filter((answer) => answer.ok).length;
    expect(accepted).toBe(128);
    const refused = answers.find((answer) => !answer.ok);
    expect(refused).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(refused?.message).toMatch(/your address/);
    // Its last connection may still share a query the address watches.
    const watched = answers.findIndex((answer) => answer.ok);
    expect((await watch(await session(server, 'shared'), `q${watched}`)).ok).toBe(true);

    // A player from another address watches a query of their own.
    const honest = server.client();
    await honest.connect();
    await expect(honest.watchRooms({ type: 'test' })).resolves.toBeDefined();
  });

  it("an address watching 120 distinct queries holds up no other lobby's lists", async () => {
    t = await startServer({ test: TestRoom }, { trustProxy: 1, roomListIntervalMs: 20 });
    const server = t;
    await inBatches(120, async (i) => {
      expect((await watch(await session(server, `w${i}`), `q${i}`)).ok).toBe(true);
    });
    // Watched after them all: its query is read last in each flush, which used to read all 121 at once
    // through the node's listing gate (4 at once, 64 waiting) and fail for every query past the 68th.
    const lobby = server.client();
    await lobby.connect();
    const watched = await lobby.watchRooms({ type: 'test' });
    const creator = server.client();
    await creator.connect();
    await creator.create('test');
    await eventually(() => watched.rooms.length === 1, 'the lobby heard of the new room');
    const metrics = server.server.metrics as CountingMetrics;
    expect(metrics.total('room_list_failures_total')).toBe(0);
    expect(metrics.total('room_listings_refused_total')).toBe(0);
  });

  it('says so when the whole node is at its limit, not the player', async () => {
    t = await startServer({ test: TestRoom }, { trustProxy: 1, maxWatchedQueries: 3 });
    const server = t;
    for (const [i, address] of ['198.51.100.1', '198.51.100.2', '198.51.100.3'].entries()) {
      expect((await watch(await session(server, `n${i}`, address), `q${i}`)).ok).toBe(true);
    }
    const answer = await watch(await session(server, 'late', '198.51.100.4'), 'q3');
    expect(answer).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/this server/),
    });
    expect(answer).not.toMatchObject({ message: expect.stringMatching(/your/) });
    // A query already watched costs nothing more: still allowed.
    expect((await watch(await session(server, 'common', '198.51.100.4'), 'q0')).ok).toBe(true);
  });

  it('tells a lobby whose watch is refused again after a new session: `error`, with the code and why', async () => {
    t = await startServer({ test: TestRoom }, { graceMs: 100, maxWatchedQueries: 1 });
    const server = t;
    proxy = new TcpProxy(server.port);
    await proxy.listen();
    const lobby = server.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await lobby.connect();
    const watch = await lobby.watchRooms({ type: 'test', filter: { k: 'mine' } });
    const errors: ProtocolError[] = [];
    watch.on('error', (error) => errors.push(error));
    // Cut off past its grace: the session, and its watch, end on the server.
    proxy.block();
    await eventually(() => server.server.rooms.watchers.size === 0, 'the watch released');
    // Meanwhile another lobby takes the node's only query.
    const other = server.client();
    await other.connect();
    await other.watchRooms({ type: 'test', filter: { k: 'theirs' } });
    proxy.unblock();
    await eventually(() => errors.length === 1, 'the refusal told', 10_000);
    expect(errors[0]).toMatchObject({ code: 'RATE_LIMITED' });
    expect(errors[0]?.message).toMatch(/this server follows as many/);
    expect(errors[0]?.message).toMatch(/no longer kept up to date/);
    expect(watch.ended).toBe(false);
  });
});

describe('listing rate per address', () => {
  it('refuses listings and watches from one address past its rate, and no other address', async () => {
    t = await startServer({ test: TestRoom }, { trustProxy: 1, listingBurst: 4, listingsPerSecond: 2 });
    const server = t;
    const raws = await Promise.all([0, 1, 2].map((i) => session(server, `l${i}`)));
    const answers: Body<typeof Kind.Response>[] = [];
    for (const [i, raw] of raws.entries()) {
      raw.send(Kind.ListRooms, { rid: 1, type: 'test' });
      raw.send(Kind.ListRooms, { rid: 2, type: 'test' });
      await eventually(() => raw.received(Kind.Response).length === 2, `session ${i} answered`);
      answers.push(...raw.received(Kind.Response));
    }
    // Four of the six at once, from whichever of the address's sessions.
    expect(answers.filter((answer) => answer.ok)).toHaveLength(4);
    expect(answers.find((answer) => !answer.ok)).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/from your address/),
    });
    // A watch is a listing too.
    expect(await watch(raws[0] as RawClient, 'q')).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    const metrics = server.server.metrics as CountingMetrics;
    expect(metrics.total('room_listings_rate_limited_total')).toBe(3);
    // Another address lists and watches as it likes.
    const other = server.client();
    await other.connect();
    for (let i = 0; i < 3; i++) await other.listRooms({ type: 'test' });
    await expect(other.watchRooms({ type: 'test' })).resolves.toBeDefined();
    // Half a second later the address has a listing again (2 a second); its sessions are still open.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await watch(raws[1] as RawClient, 'q')).ok).toBe(true);
    expect(raws.every((raw) => raw.closeCode === undefined)).toBe(true);
  });
});
