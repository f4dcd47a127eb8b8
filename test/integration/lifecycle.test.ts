import type http from 'node:http';
import net from 'node:net';
import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import { GameServer } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

class DisposeTracking extends TestRoom {
  static disposed = 0;
  static disposedAt = Number.NaN;
  override onDispose(): void {
    DisposeTracking.disposed++;
    DisposeTracking.disposedAt = Date.now();
  }
}

/**
 * Room lifetimes long enough that a stalled test process (hundreds of ms on a loaded 2-core machine) does
 * not decide whether a timer ran before the next step: the tests are about which comes first.
 */
const DISPOSE_MS = 1_500;

/** Keeps every room it makes, so a test can read what the room heard. */
class LeaveTracking extends TestRoom {
  static rooms: LeaveTracking[] = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    LeaveTracking.rooms.push(this);
  }
}

describe('room and connection lifecycle', () => {
  it('close() ends a session begun by connect() after an earlier close(): the room hears the leave at once', async () => {
    t = await startServer({ test: LeaveTracking }, { graceMs: 30_000 });
    const client = t.client();
    await client.connect();
    await client.close(); // nothing held back: closed at once
    await client.connect(); // a fresh session
    const room = await client.create('test');
    const { playerId } = client;
    expect(await client.close()).toBe(0);
    expect(client.state).toBe('closed');
    const created = LeaveTracking.rooms.find((r) => r.roomId === room.roomId);
    // A socket left open would hold the seat for the whole grace period instead.
    await eventually(
      () => created?.events.includes(`leave:${playerId}:left`) === true,
      'the room hears the player leave',
    );
  });

  it('disposes an empty room after the delay, not before', async () => {
    t = await startServer({ test: DisposeTracking }, { emptyDisposeMs: DISPOSE_MS });
    const client = t.client();
    await client.connect();
    const room = await client.create('test');
    const leaving = Date.now();
    await room.leave();
    const before = DisposeTracking.disposed;
    await sleep(300);
    expect(t.server.rooms.roomCount).toBe(1);
    await eventually(() => t!.server.rooms.roomCount === 0, 'empty room disposed');
    expect(DisposeTracking.disposed).toBe(before + 1);
    // The server started its timer after `leaving` (the leave request went out then).
    expect(DisposeTracking.disposedAt - leaving).toBeGreaterThanOrEqual(DISPOSE_MS);
    expect(await client.listRooms()).toEqual([]);
  });

  it('keeps an empty room alive when someone joins within the delay', async () => {
    t = await startServer({ test: TestRoom }, { emptyDisposeMs: DISPOSE_MS });
    const [a, b] = [t.client(), t.client()];
    await Promise.all([a.connect(), b.connect()]);
    const room = await a.create('test');
    await room.leave();
    await b.join(room.roomId);
    await sleep(DISPOSE_MS + 300);
    expect(t.server.rooms.roomCount).toBe(1);
  });

  it('disposes a room idle past the limit and tells its members why', async () => {
    t = await startServer({ test: TestRoom }, { idleDisposeMs: 300 });
    const client = t.client();
    await client.connect();
    const room = await client.create('test');
    const left: string[] = [];
    room.on('leave', ({ reason }) => left.push(reason));
    await eventually(() => left.length === 1, 'idle disposal', 3_000);
    expect(left).toEqual([ErrorCode.ROOM_DISPOSED]);
    expect(client.room).toBeUndefined();
  });

  it('terminates a connection that stops answering heartbeats; its seat becomes away', async () => {
    // The watcher answers every ping: a timeout several stalls long keeps it from being cut off too.
    t = await startServer({ test: TestRoom }, { heartbeatMs: 200, heartbeatTimeoutMs: 1_500 });
    const watcher = t.client();
    await watcher.connect();
    const room = await watcher.create('test');
    const silent = new RawClient(t.wsUrl, t.server.issueGuestToken('silent'));
    await silent.opened;
    silent.hello();
    await eventually(() => silent.received(Kind.Welcome).length === 1, 'welcome');
    silent.send(Kind.JoinRoom, { rid: 1, roomId: room.roomId });
    await eventually(() => room.members.length === 2, 'silent joined');
    const away: string[] = [];
    room.on('member-away', ({ playerId }) => away.push(playerId));
    // The raw client never answers pings from here on.
    await silent.closed;
    await eventually(() => away.length === 1, 'marked away');
    expect(silent.received(Kind.Ping).length).toBeGreaterThan(0);
    const metrics = t.server.metrics as unknown as { total(name: string): number };
    expect(metrics.total('heartbeat_timeouts_total')).toBe(1);
    expect(watcher.state).toBe('open');
    expect(watcher.rttMs).toBeGreaterThanOrEqual(0);
  });

  it('close() called while listen() starts: listen rejects, and the server never goes live', async () => {
    const server = new GameServer({ serverLink: { bindAddress: '127.0.0.1' } });
    const started = server.listen(0);
    await server.close({ drainMs: 0 });
    await expect(started).rejects.toThrow('this GameServer was closed before it listened');
    // Never announced: it would have listened on after close(), answering 503 to everything.
    expect(server.publicUrl).toBeUndefined();
  });

  it('close() called as the socket binds: listen rejects rather than waiting forever', async () => {
    const server = new GameServer({ serverLink: { bindAddress: '127.0.0.1' } });
    // The socket says it listens a tick after it is asked to: a close() in between (a SIGTERM as the
    // process starts) means it never does, and a listen() waiting for that alone never settled.
    const listen = net.Server.prototype.listen;
    let socket: http.Server | undefined;
    let closed: Promise<void> | undefined;
    const spy = vi.spyOn(net.Server.prototype, 'listen').mockImplementation(function (
      this: net.Server,
      ...args: unknown[]
    ) {
      socket = this as http.Server;
      const result = listen.apply(this, args as Parameters<typeof listen>);
      closed = server.close({ drainMs: 0 });
      return result;
    });
    let outcome = 'pending';
    try {
      server.listen(0).then(
        () => {
          outcome = 'listened';
        },
        (error: Error) => {
          outcome = error.message;
        },
      );
      // Settled right behind the close (a few ticks): the bound only keeps a failing run from hanging.
      await eventually(() => outcome !== 'pending', 'listen() to settle');
    } finally {
      spy.mockRestore();
    }
    await closed;
    expect(outcome).toContain('this GameServer was closed before it listened');
    expect(socket?.listening).toBe(false);
    expect(server.publicUrl).toBeUndefined();
  });

  it('shuts down gracefully: refuses new players, tells everyone, drains and closes', async () => {
    t = await startServer({ test: DisposeTracking });
    const client = t.client();
    await client.connect();
    const room = await client.create('test');
    const notices: string[] = [];
    client.on('error', (error) => notices.push(error.code));
    // The time left comes as a number, before the notice itself, for a countdown.
    const closingIn: number[] = [];
    client.on('closing', ({ inMs }) => closingIn.push(notices.length === 0 ? inMs : Number.NaN));
    const closed: string[] = [];
    client.on('closed', ({ code }) => closed.push(code));
    const left: string[] = [];
    room.on('leave', ({ reason }) => left.push(reason));
    const disposedBefore = DisposeTracking.disposed;
    const { wsUrl } = t;
    const server = t.server;
    t = undefined;
    const closing = server.close({ drainMs: 300 });
    await sleep(50);
    const late = new RawClient(wsUrl, 'irrelevant');
    await expect(late.opened).rejects.toThrow(/503|ECONNREFUSED/);
    await closing;
    expect(notices).toContain(ErrorCode.SERVER_SHUTTING_DOWN);
    expect(closingIn).toHaveLength(1);
    expect(closingIn[0]).toBeGreaterThan(0);
    expect(closingIn[0]).toBeLessThanOrEqual(300);
    expect(left).toEqual([ErrorCode.SERVER_SHUTTING_DOWN]);
    await eventually(() => closed.length === 1, 'client closed');
    expect(closed).toEqual([ErrorCode.SERVER_SHUTTING_DOWN]);
    expect(DisposeTracking.disposed).toBe(disposedBefore + 1);
  });

  it('fails a request made from a room-left handler when the client is closed for good, by either side', async () => {
    for (const closer of ['client', 'server'] as const) {
      t = await startServer({ test: TestRoom });
      const client = t.client();
      await client.connect();
      const room = await client.create('test');
      let again: Promise<unknown> | undefined;
      room.on('leave', () => {
        again = client.quickPlay('test');
        again.catch(() => {}); // looked at below
      });
      if (closer === 'client') client.close();
      else {
        const server = t.server;
        t = undefined;
        await server.close({ drainMs: 0 });
      }
      await eventually(() => again !== undefined, 'the room left');
      // No next session to answer it: it fails rather than wait for ever.
      await expect(again).rejects.toMatchObject({ code: expect.any(String) });
      expect(client.state).toBe('closed');
      await t?.close();
      t = undefined;
    }
  });

  it('answers a hello that arrives while it closes: no new session, and a resume hears the notice', async () => {
    t = await startServer({ test: TestRoom });
    const server = t.server;
    // A room in play keeps the close waiting for `drainMs`.
    const host = t.client();
    await host.connect();
    await host.create('test');
    // A player with a session, whose network dropped; it reconnects on a socket opened before the close.
    const token = server.issueGuestToken('Ada');
    const first = new RawClient(t.wsUrl, token);
    await first.opened;
    first.hello();
    await eventually(() => first.received(Kind.Welcome).length === 1, 'welcome');
    const { playerId, resumeToken } = first.received(Kind.Welcome)[0] as {
      playerId: string;
      resumeToken: string;
    };
    first.close();
    const resuming = new RawClient(t.wsUrl, token);
    const fresh = new RawClient(t.wsUrl, server.issueGuestToken('Grace'));
    await Promise.all([resuming.opened, fresh.opened]);
    const { wsUrl } = t;
    t = undefined;
    const closing = server.close({ drainMs: 2_000 });
    await sleep(50);
    await expect(new RawClient(wsUrl, token).opened).rejects.toThrow(/503|ECONNREFUSED/);
    fresh.hello();
    resuming.hello({ playerId, token: resumeToken, ack: 0 });
    // The fresh one is refused at once, not welcomed into a session that could only end.
    expect(await fresh.closed).toBe(closeCodeFor(ErrorCode.SERVER_SHUTTING_DOWN));
    expect(fresh.received(Kind.Welcome)).toEqual([]);
    expect(fresh.received(Kind.Error).map((error) => error.code)).toContain(ErrorCode.SERVER_SHUTTING_DOWN);
    // The resumed one gets its session back and the notice every other player got, with the time left.
    await eventually(() => resuming.received(Kind.Error).length > 0, 'the notice');
    const kinds = resuming.frames.map((frame) => frame.message.kind);
    expect(kinds.indexOf(Kind.Welcome)).toBeLessThan(kinds.indexOf(Kind.Error));
    expect(resuming.received(Kind.Welcome)[0]?.resumed).toBe(true);
    const notice = resuming.received(Kind.Error)[0];
    expect(notice?.code).toBe(ErrorCode.SERVER_SHUTTING_DOWN);
    expect(notice?.message).toMatch(/within [12] s/);
    expect(notice?.closesInMs).toBeGreaterThan(0);
    expect(notice?.closesInMs).toBeLessThanOrEqual(2_000);
    await closing;
  });
});

describe('authentication and handshake', () => {
  it('issues guest tokens over HTTP and connects with them', async () => {
    t = await startServer({ test: TestRoom });
    const response = await fetch(`${t.httpUrl}/auth/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(response.status).toBe(200);
    const issued = (await response.json()) as { token: string; name: string };
    expect(issued.name).toBe('Ada');
    const client = t.client({ token: issued.token });
    await client.connect();
    expect(client.name).toBe('Ada');
    const defaultToken = t.client({ name: 'Grace' });
    await defaultToken.connect();
    expect(defaultToken.name).toBe('Grace');
  });

  it('refuses a forged token with UNAUTHORIZED and an expired one with TOKEN_EXPIRED', async () => {
    t = await startServer({ test: TestRoom }, { guestTokenTtlMs: 1 });
    const forged = new RawClient(t.wsUrl, 'eyJzdWIiOiJ4In0.AAAA');
    await forged.opened;
    expect(await forged.closed).toBe(closeCodeFor(ErrorCode.UNAUTHORIZED));
    const expiredToken = t.server.issueGuestToken();
    await sleep(10);
    const expired = new RawClient(t.wsUrl, expiredToken);
    await expired.opened;
    expect(await expired.closed).toBe(closeCodeFor(ErrorCode.TOKEN_EXPIRED));
    const client = t.client({ token: expiredToken });
    const closed: string[] = [];
    client.on('closed', ({ code }) => closed.push(code));
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.TOKEN_EXPIRED });
  });

  it('uses an app Authenticator when given one', async () => {
    t = await startServer(
      { test: TestRoom },
      {
        authenticator: {
          async authenticate(_request, token) {
            return token === 'letmein'
              ? { ok: true, identity: { userId: 'user-1', name: 'Member' } }
              : { ok: false, code: ErrorCode.UNAUTHORIZED, message: 'who are you?' };
          },
        },
      },
    );
    const member = t.client({ token: 'letmein' });
    await member.connect();
    expect(member.name).toBe('Member');
    const guestEndpoint = await fetch(`${t.httpUrl}/auth/guest`, { method: 'POST' });
    expect(guestEndpoint.status).toBe(404);
  });

  it('refuses a handshake on the wrong path', async () => {
    t = await startServer({ test: TestRoom });
    const wrongPath = new RawClient(t.wsUrl.replace('/ws', '/nope'), t.server.issueGuestToken());
    await expect(wrongPath.opened).rejects.toThrow(/404/);
  });
});
