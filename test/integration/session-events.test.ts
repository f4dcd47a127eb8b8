import { ErrorCode, encodeMessage, Kind, MAX_SEQ_AHEAD, wrapReliable } from 'vehikill-net/protocol';
import type { CountingMetrics, GameServerOptions, SessionEvents } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { rawCreator } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * The server-wide session events (`GameServer.on`), as a presence or audit log hears them, against a
 * real server and real clients: one 'session-begin' per new session, 'session-away' and 'session-back'
 * around a dropped socket, and exactly one 'session-end' with the reason, whatever ended it.
 */

type Heard = { event: keyof SessionEvents } & Record<string, unknown>;

let t: TestServer;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  await t?.close();
  vi.restoreAllMocks();
});

/** A server whose every session event is recorded, in order. */
async function recorded(options: GameServerOptions = {}) {
  t = await startServer({ test: TestRoom }, options);
  const heard: Heard[] = [];
  for (const event of ['session-begin', 'session-away', 'session-back', 'session-end'] as const) {
    t.server.on(event, (payload) => heard.push({ event, ...payload }));
  }
  /** What was heard of `playerId`, as event names (and the end's reason). */
  const of = (playerId: string | undefined) =>
    heard
      .filter((each) => each.playerId === playerId)
      .map((each) => (each.event === 'session-end' ? `end:${String(each.reason)}` : each.event));
  return { heard, of };
}

/** A client connected through a TCP proxy, whose network the test can take away. */
async function behindProxy(options: { resumeToken?: string } = {}) {
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  proxies.push(proxy);
  const client = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, ...options });
  await client.connect();
  return { proxy, client };
}

describe('server-wide session events', () => {
  it('tells a new session with its player id, user id, name and address', async () => {
    const { heard } = await recorded();
    const client = t.client({ token: t.server.issueGuestToken('Ada') });
    await client.connect();
    await eventually(() => heard.length === 1, 'session-begin');
    expect(heard[0]).toEqual({
      event: 'session-begin',
      playerId: client.playerId,
      userId: expect.any(String),
      name: 'Ada',
      address: '127.0.0.1',
      data: {},
    });
  });

  it('tells a dropped socket (away) and its resume (back), then the clean close (left)', async () => {
    const { of } = await recorded();
    const { proxy, client } = await behindProxy();
    const playerId = client.playerId;
    await client.create('test');
    const reconnected = new Promise((resolve) => client.on('reconnect', resolve));
    proxy.dropAll();
    await reconnected;
    await eventually(() => of(playerId).length === 3, 'away and back');
    client.close();
    await eventually(() => of(playerId).length === 4, 'the end');
    expect(of(playerId)).toEqual(['session-begin', 'session-away', 'session-back', 'end:left']);
  });

  it('tells a takeover by a new client as back with takenOver, and nothing of a second session', async () => {
    const { heard, of } = await recorded();
    const { proxy, client } = await behindProxy();
    const playerId = client.playerId;
    const token = client.resumeToken;
    proxy.block();
    await eventually(() => of(playerId).length === 2, 'away');
    const fresh = t.client({ ...(token === undefined ? {} : { resumeToken: token }) });
    await fresh.connect();
    expect(fresh.playerId).toBe(playerId);
    await eventually(() => of(playerId).length === 3, 'back');
    expect(of(playerId)).toEqual(['session-begin', 'session-away', 'session-back']);
    expect(heard.at(-1)).toMatchObject({ event: 'session-back', playerId, takenOver: true });
    expect(heard.filter((each) => each.event === 'session-begin')).toHaveLength(1);
  });

  it('tells a takeover of a session whose socket is still open (another tab) as away, then back', async () => {
    const { heard, of } = await recorded();
    const old = t.client();
    await old.connect();
    const playerId = old.playerId;
    const fresh = t.client({ ...(old.resumeToken === undefined ? {} : { resumeToken: old.resumeToken }) });
    await fresh.connect();
    await eventually(() => of(playerId).length === 3, 'away and back');
    expect(of(playerId)).toEqual(['session-begin', 'session-away', 'session-back']);
    expect(heard.at(-1)).toMatchObject({ takenOver: true });
  });

  it("ends a session its page's leave beacon ends: 'left' at once; with keepMs, SESSION_EXPIRED after it", async () => {
    const { of } = await recorded();
    // A browser's sendBeacon, which Node lacks: the same POST, with the body as the page sends it.
    const beacons: Array<Promise<Response>> = [];
    vi.stubGlobal('navigator', {
      sendBeacon: (url: string, data?: string) => {
        const headers = { 'content-type': 'text/plain;charset=UTF-8' };
        beacons.push(fetch(url, { method: 'POST', headers, ...(data === undefined ? {} : { body: data }) }));
        return true;
      },
    });
    try {
      const gone = t.client();
      await gone.connect();
      const goneId = gone.playerId as string;
      expect(gone.closeForUnload()).toBe(true);
      await eventually(() => of(goneId).length === 2, 'the end');
      expect(of(goneId)).toEqual(['session-begin', 'end:left']);

      const { proxy, client } = await behindProxy();
      const heldId = client.playerId as string;
      expect(client.keepSessionForReload(300)).toBe(true);
      await eventually(() => beacons.length === 2, 'the second beacon');
      expect((await beacons[1])?.status).toBe(204);
      proxy.block(); // the page is gone: away, held for keepMs rather than the grace period
      await eventually(() => of(heldId).length === 3, 'the hold runs out', 5_000);
      expect(of(heldId)).toEqual(['session-begin', 'session-away', `end:${ErrorCode.SESSION_EXPIRED}`]);
      expect((await beacons[0])?.status).toBe(204);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('ends a session not back within graceMs with SESSION_EXPIRED', async () => {
    const { of } = await recorded({ graceMs: 200 });
    const { proxy, client } = await behindProxy();
    proxy.block();
    await eventually(() => of(client.playerId).length === 3, 'the expiry');
    expect(of(client.playerId)).toEqual([
      'session-begin',
      'session-away',
      `end:${ErrorCode.SESSION_EXPIRED}`,
    ]);
  });

  it('ends a session the server ends (endSession) with SESSION_ENDED, once', async () => {
    const { of } = await recorded();
    const client = t.client();
    await client.connect();
    const playerId = client.playerId as string;
    expect(t.server.endSession(playerId, 'banned')).toBe(true);
    expect(t.server.endSession(playerId, 'banned again')).toBe(false);
    await eventually(() => client.state === 'closed', 'the client closed');
    expect(of(playerId)).toEqual(['session-begin', `end:${ErrorCode.SESSION_ENDED}`]);
  });

  it('ends a session cut off for bad frames with TOO_MANY_ERRORS', async () => {
    const { heard } = await recorded();
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('attacker'));
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    for (let i = 0; i < 40; i++) raw.sendBytes(Uint8Array.of(0x7f));
    await raw.closed;
    await eventually(() => heard.length === 2, 'the end');
    expect(heard.map((each) => each.event)).toEqual(['session-begin', 'session-end']);
    expect(heard[1]?.reason).toBe(ErrorCode.TOO_MANY_ERRORS);
  });

  it('ends a session whose sequence a number too far ahead broke with INVALID_MESSAGE, once, and tells nothing after', async () => {
    const { heard, of } = await recorded();
    const token = t.server.issueGuestToken('jumper');
    const raw = await rawCreator(t, 'test', token);
    const { playerId, resumeToken } = raw.received(Kind.Welcome)[0]!;
    const chat = encodeMessage(Kind.ClientRoomMessage, { t: 'chat', d: { text: 'hi' } });
    raw.sendBytes(wrapReliable(1, chat));
    raw.sendBytes(wrapReliable(2 + MAX_SEQ_AHEAD, chat)); // one past the widest gap a client may leave
    await raw.closed;
    expect(raw.received(Kind.Error)).toEqual([expect.objectContaining({ code: ErrorCode.INVALID_MESSAGE })]);
    await eventually(() => of(playerId).length === 2, 'the end');
    // Its resume is refused (the session is gone), and wakes nothing: no back, no second end.
    const resuming = new RawClient(t.wsUrl, token);
    await resuming.opened;
    resuming.hello({ playerId, token: resumeToken, ack: 0 });
    await resuming.closed;
    expect(resuming.received(Kind.Error)).toEqual([
      expect.objectContaining({ code: ErrorCode.SESSION_EXPIRED }),
    ]);
    await sleep(100);
    expect(of(playerId)).toEqual(['session-begin', `end:${ErrorCode.INVALID_MESSAGE}`]);
    expect(heard.filter((each) => each.event === 'session-end')).toHaveLength(1);
  });

  it('ends every session once at close(), connected or away, with SERVER_SHUTTING_DOWN', async () => {
    const { heard, of } = await recorded();
    const connected = t.client();
    await connected.connect();
    await connected.create('test');
    const { proxy, client: away } = await behindProxy();
    const ids = { connected: connected.playerId, away: away.playerId };
    proxy.block();
    await eventually(() => of(ids.away).length === 2, 'away');
    await t.server.close({ drainMs: 0 });
    const ends = heard.filter((each) => each.event === 'session-end');
    expect(ends.map((each) => each.playerId).sort()).toEqual([ids.connected, ids.away].sort());
    expect(ends.every((each) => each.reason === ErrorCode.SERVER_SHUTTING_DOWN)).toBe(true);
    // The server closes the socket of the one still connected before it ends the session.
    expect(of(ids.connected)).toEqual([
      'session-begin',
      'session-away',
      `end:${ErrorCode.SERVER_SHUTTING_DOWN}`,
    ]);
    expect(of(ids.away)).toEqual(['session-begin', 'session-away', `end:${ErrorCode.SERVER_SHUTTING_DOWN}`]);
  });

  it('a throwing or rejecting listener is logged and counted; the others and the server go on', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    t = await startServer({ test: TestRoom });
    t.server.on('session-begin', () => {
      throw new Error('listener bug');
    });
    t.server.on('session-end', async () => {
      throw new Error('async listener bug');
    });
    const begun: string[] = [];
    const ended: string[] = [];
    t.server.on('session-begin', (session) => begun.push(session.playerId));
    t.server.on('session-end', (session) => ended.push(session.playerId));
    const client = t.client();
    await client.connect();
    const room = await client.create('test');
    expect(room.roomId).toBeTypeOf('string');
    const playerId = client.playerId;
    expect(begun).toEqual([playerId]);
    client.close();
    await eventually(() => ended.length === 1, 'the end heard');
    const metrics = t.server.metrics as CountingMetrics;
    await eventually(
      () => metrics.total('room_hook_errors_total', { hook: "server.on('session-end')" }) === 1,
      'the rejection counted',
    );
    expect(metrics.total('room_hook_errors_total', { hook: "server.on('session-begin')" })).toBe(1);
    expect(logged).toHaveBeenCalledWith(
      "vehikill-net: a server.on('session-begin') listener threw",
      expect.any(Error),
    );
    // Still serving sessions.
    const next = t.client();
    await next.connect();
    expect(begun).toEqual([playerId, next.playerId]);
  });

  it('a session a listener ends as it begins is told ended after every listener heard it begin', async () => {
    t = await startServer({ test: TestRoom });
    const heard: string[] = [];
    t.server.on('session-begin', ({ playerId }) => t.server.endSession(playerId, 'not today'));
    t.server.on('session-begin', () => heard.push('begin'));
    t.server.on('session-end', ({ reason }) => heard.push(`end:${reason}`));
    const client = t.client();
    await client.connect().catch(() => {});
    await eventually(() => heard.length === 2, 'begin and end');
    expect(heard).toEqual(['begin', `end:${ErrorCode.SESSION_ENDED}`]);
  });

  it('a session an away listener ends as another tab takes it over is not handed to the new tab', async () => {
    const { of } = await recorded();
    t.server.on('session-away', ({ playerId }) => t.server.endSession(playerId, 'no second tabs'));
    const old = t.client();
    await old.connect();
    const playerId = old.playerId as string;
    const fresh = t.client({ ...(old.resumeToken === undefined ? {} : { resumeToken: old.resumeToken }) });
    await fresh.connect().catch(() => {});
    // The ended session is no one's: the tab that came to take it over is told so and closed.
    await eventually(() => fresh.state === 'closed', 'the new tab closed');
    expect(t.server.endSession(playerId)).toBe(false);
    expect(of(playerId)).toEqual(['session-begin', 'session-away', `end:${ErrorCode.SESSION_ENDED}`]);
  });

  it('a disposed listener hears nothing more; an unknown event or a non-function throws a TypeError', async () => {
    t = await startServer({ test: TestRoom });
    const begun: string[] = [];
    const dispose = t.server.on('session-begin', (session) => begun.push(session.playerId));
    const first = t.client();
    await first.connect();
    dispose();
    const second = t.client();
    await second.connect();
    expect(begun).toEqual([first.playerId]);
    expect(() => t.server.on('connection' as 'session-begin', () => {})).toThrow(TypeError);
    expect(() => t.server.on('session-end', 'nope' as unknown as () => void)).toThrow(TypeError);
  });
});
