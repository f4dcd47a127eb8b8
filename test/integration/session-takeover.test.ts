import * as v from 'valibot';
import { Client, type ClientEvents, type RoomConnection } from 'vehikill-net/client';
import { encodeMessage, Kind, PROTOCOL_VERSION, wrapReliable } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RawClient } from '../support/raw-client.js';
import { rawSession } from '../support/raw-session.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { SlowCreateRoom, TestRoom } from './rooms-fixtures.js';

/**
 * A new client (a reloaded page, a restarted process) takes a session over with the `resumeToken` of the
 * client that held it, through the public API against a real server: the same player, seated in the same
 * room, messages flowing both ways; the old client superseded for good; refused tokens told apart.
 */

/** The test room, remembering the newest made: what it heard of its players. */
class RecordingRoom extends TestRoom {
  static last: RecordingRoom | undefined;
  /** Answers the 'hold' requests waiting, with 'held'. */
  readonly holds: Array<() => void> = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    RecordingRoom.last = this;
    this.onMessage(
      'hold',
      v.unknown(),
      () => new Promise((resolve) => this.holds.push(() => resolve('held'))),
    );
  }
}

const servers: TestServer[] = [];
const proxies: TcpProxy[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const server of servers.splice(0)) await server.close();
});

async function server(graceMs = 10_000): Promise<TestServer> {
  const started = await startServer({ test: RecordingRoom, slow: SlowCreateRoom }, { graceMs });
  servers.push(started);
  return started;
}

/** A client of `url` that records what the app is told. */
function client(url: string, resumeToken?: string) {
  const made = new Client({
    url,
    WebSocket,
    backoff: { baseMs: 20, maxMs: 200 },
    ...(resumeToken === undefined ? {} : { resumeToken }),
  });
  clients.push(made);
  const opened: ClientEvents['open'][] = [];
  const expired: ClientEvents['session-expired'][] = [];
  const errors: string[] = [];
  const closed: ClientEvents['closed'][] = [];
  made.on('open', (event) => opened.push(event));
  made.on('session-expired', (event) => expired.push(event));
  made.on('error', (error) => errors.push(error.code));
  made.on('closed', (event) => closed.push(event));
  return { client: made, opened, expired, errors, closed };
}

/** A client behind a proxy, in a room of its own: its network can be taken away as a page reload does. */
async function seatedBehindProxy(target: TestServer) {
  const proxy = new TcpProxy(target.port);
  await proxy.listen();
  proxies.push(proxy);
  const old = client(`ws://127.0.0.1:${proxy.port}/ws`);
  await old.client.connect();
  const room = await old.client.create('test');
  return { proxy, ...old, room };
}

/**
 * A raw session that made a room of its own (`old`, which acks nothing), and a raw client that takes the
 * session over once `meanwhile` (what the old client does before) has run: `fresh`, welcomed, and its
 * welcome's `ack`, which its own numbers go on from.
 */
async function rawTakeover(target: TestServer, meanwhile: (old: RawClient) => Promise<void>) {
  const { first: old, guest, playerId, resumeToken } = await rawSession(target);
  old.sendBytes(wrapReliable(1, encodeMessage(Kind.CreateRoom, { rid: 1, type: 'test' })));
  await eventually(() => old.received(Kind.Response).length === 1, 'the room made');
  await meanwhile(old);
  const fresh = new RawClient(target.wsUrl, guest);
  await fresh.opened;
  fresh.send(Kind.Hello, {
    v: PROTOCOL_VERSION,
    resume: { playerId, token: resumeToken, ack: 0, takeover: true },
  });
  await eventually(() => fresh.received(Kind.Welcome).length === 1, 'the takeover welcomed');
  return { old, fresh, ack: fresh.received(Kind.Welcome)[0]?.ack ?? 0 };
}

/** The chat messages `room` gets from now on. */
function chats(room: RoomConnection) {
  const got: Array<{ from: string; text: string }> = [];
  room.onMessage('chat', (data) => got.push(data as { from: string; text: string }));
  return got;
}

/** `token` with its resume token's last character changed: made up by someone who read it. */
function altered(token: string): string {
  const fields = JSON.parse(Buffer.from(token.slice('vkt1.'.length), 'base64url').toString('utf8'));
  fields.r = `${fields.r.slice(0, -1)}${fields.r.endsWith('A') ? 'B' : 'A'}`;
  return `vkt1.${Buffer.from(JSON.stringify(fields)).toString('base64url')}`;
}

describe('taking a session over with a resume token', () => {
  it('a new client gets the same player, seated in its room, with what was sent meanwhile', async () => {
    const target = await server();
    const old = await seatedBehindProxy(target);
    old.room.send('chat', { text: 'before the reload' });
    const other = client(target.wsUrl);
    await other.client.connect();
    const otherRoom = await other.client.join(old.room.roomId);
    const otherChats = chats(otherRoom);
    await eventually(() => otherRoom.members.length === 2, 'both members seated');
    const playerId = old.client.playerId;
    const token = old.client.resumeToken;
    expect(token).toBeTypeOf('string');

    old.proxy.block(); // the page goes away without a goodbye (a reload, a crash)
    await eventually(() => otherRoom.members.some((m) => m.playerId === playerId && m.away), 'seen away');
    otherRoom.send('chat', { text: 'while you were away' });
    await sleep(50);

    const fresh = client(target.wsUrl, token);
    await fresh.client.connect();
    expect(fresh.client.playerId).toBe(playerId);
    expect(fresh.opened).toEqual([{ playerId, name: expect.any(String), takenOver: true }]);
    const room = fresh.client.room;
    expect(room?.roomId).toBe(old.room.roomId);
    expect(room?.members.map((m) => m.playerId).sort()).toEqual([playerId, other.client.playerId].sort());
    const mine = chats(room as RoomConnection);
    await eventually(() => mine.some((c) => c.text === 'while you were away'), 'the replayed chat');

    // Numbered on from what the server had of the old client: not taken for messages it already had.
    room?.send('chat', { text: 'after the reload' });
    await eventually(
      () => otherChats.some((c) => c.text === 'after the reload' && c.from === playerId),
      'the new client heard in the room',
    );
    // Seated all along: the room heard no leave, and no second join.
    expect(RecordingRoom.last?.events).toEqual([`join:${playerId}`, `join:${other.client.playerId}`]);
    expect(target.server.sessionCount).toBe(2);
    // A new token: the one taken over is spent.
    expect(fresh.client.resumeToken).not.toBe(token);
    expect(fresh.expired).toEqual([]);
  });

  it('a client still open (another tab) is closed with SESSION_REPLACED and stays closed', async () => {
    const target = await server();
    const old = client(target.wsUrl);
    await old.client.connect();
    await old.client.create('test');
    const fresh = client(target.wsUrl, old.client.resumeToken);
    await fresh.client.connect();
    expect(fresh.client.playerId).toBe(old.opened[0]?.playerId);
    await eventually(() => old.closed.length === 1, 'the old client closed');
    expect(old.closed[0]).toEqual({ code: 'SESSION_REPLACED', message: expect.stringMatching(/taken over/) });
    await sleep(300); // several of its backoffs: it does not come back for the session, nor start one
    expect(old.client.state).toBe('closed');
    expect(old.opened).toHaveLength(1);
    expect(target.server.sessionCount).toBe(1);
    expect(fresh.client.state).toBe('open');
  });

  it('the old client coming back with the token it had is told SESSION_REPLACED, and takes nothing', async () => {
    const target = await server();
    const old = await seatedBehindProxy(target);
    const token = old.client.resumeToken;
    old.proxy.block();
    const fresh = client(target.wsUrl, token);
    await fresh.client.connect();
    old.proxy.unblock();
    await eventually(() => old.closed.length === 1, 'the old client closed');
    expect(old.closed[0]).toEqual({ code: 'SESSION_REPLACED', message: expect.stringMatching(/taken over/) });
    expect(old.expired).toEqual([]);
    expect(fresh.client.state).toBe('open');
    expect(fresh.client.room?.roomId).toBe(old.room.roomId);
    expect(target.server.sessionCount).toBe(1);
  });

  it("an answer to the old client's request goes to no one: the new client's request of the same id gets its own", async () => {
    SlowCreateRoom.reset();
    const target = await server();
    const old = client(target.wsUrl);
    await old.client.connect();
    // The old client's first request (id 1) waits in the room's onCreate while the session is taken over.
    void old.client.create('slow').catch(() => {});
    await eventually(() => SlowCreateRoom.started === 1, 'the creation under way');
    const fresh = client(target.wsUrl, old.client.resumeToken);
    await fresh.client.connect();
    const listed = fresh.client.listRooms({ type: 'test' }); // its first request: id 1 as well
    SlowCreateRoom.release();
    expect(await listed).toEqual([]);
    expect(fresh.errors).toEqual([]);
  });

  it("a reply to the old client's room request is not replayed to the new one, whose request may have its id", async () => {
    const target = await server();
    const { old, fresh } = await rawTakeover(target, async (old) => {
      // A request of the old client's (id 1), answered: the raw client acks nothing, so its reply stays unacked.
      old.sendBytes(
        wrapReliable(2, encodeMessage(Kind.ClientRoomMessage, { t: 'chat', d: { text: 'hi' }, q: 1 })),
      );
      await eventually(() => old.received(Kind.RoomReply).length === 1, 'the old request answered');
    });
    // The room's own messages are replayed (the chat it broadcast), the answer to the old request is not.
    await eventually(() => fresh.received(Kind.ServerRoomMessage).length === 1, 'the replay');
    await sleep(50);
    expect(fresh.received(Kind.RoomReply)).toEqual([]);
    old.close();
    fresh.close();
  });

  it("a room request of the old client's still running frees its id for the new client, and answers no one", async () => {
    const target = await server();
    const { old, fresh, ack } = await rawTakeover(target, async (old) => {
      old.sendBytes(wrapReliable(2, encodeMessage(Kind.ClientRoomMessage, { t: 'hold', q: 1 })));
      await eventually(() => RecordingRoom.last?.holds.length === 1, 'the old request running');
    });
    fresh.sendBytes(wrapReliable(ack + 1, encodeMessage(Kind.ClientRoomMessage, { t: 'hold', q: 1 })));
    await eventually(() => RecordingRoom.last?.holds.length === 2, "the new client's request running");
    RecordingRoom.last?.holds[0]?.(); // the old one's answer: to no one
    await sleep(50);
    expect(fresh.received(Kind.RoomReply)).toEqual([]);
    RecordingRoom.last?.holds[1]?.();
    await eventually(() => fresh.received(Kind.RoomReply).length === 1, "the new client's answer");
    await sleep(50);
    expect(fresh.received(Kind.RoomReply)).toEqual([{ q: 1, ok: true, d: 'held' }]);
    expect(fresh.received(Kind.Error)).toEqual([]);
    old.close();
    fresh.close();
  });

  it('what the superseded client still sends on its socket takes no number from the new client', async () => {
    const target = await server();
    let membership = 0;
    const { old, fresh, ack } = await rawTakeover(target, async (old) => {
      const answer = old.received(Kind.Response)[0];
      ({ membership } = (answer?.ok ? answer.result : {}) as { membership: number });
      // The old tab reads nothing from now on (the close the server will send it included), and sends on.
      old.socket.pause();
    });
    const chat = (seq: number, text: string) =>
      wrapReliable(seq, encodeMessage(Kind.ClientRoomMessage, { t: 'chat', d: { text }, m: membership }));
    // Sent after the takeover: the server reads it on the socket the takeover replaced.
    expect(old.socket.readyState).toBe(old.socket.OPEN);
    old.sendBytes(chat(ack + 1, 'from the superseded tab'));
    await sleep(100);
    fresh.sendBytes(chat(ack + 1, 'from the new tab'));
    await eventually(
      () => RecordingRoom.last?.log.includes('from the new tab') === true,
      'the new tab heard',
    );
    expect(RecordingRoom.last?.log).toEqual(['from the new tab']);
    old.close();
    fresh.close();
  });

  it('a session in no room is taken over with no room', async () => {
    const target = await server();
    const old = client(target.wsUrl);
    await old.client.connect();
    const fresh = client(target.wsUrl, old.client.resumeToken);
    await fresh.client.connect();
    expect(fresh.client.playerId).toBe(old.opened[0]?.playerId);
    expect(fresh.client.room).toBeUndefined();
    expect(await fresh.client.create('test')).toBeDefined();
  });
});

describe('a refused takeover: session-expired saying why, then a fresh session', () => {
  it('after the grace period: expired', async () => {
    const target = await server(200);
    const old = await seatedBehindProxy(target);
    const token = old.client.resumeToken;
    old.proxy.block();
    await eventually(() => target.server.sessionCount === 0, 'the session ended');
    const fresh = client(target.wsUrl, token);
    await fresh.client.connect();
    expect(fresh.expired).toEqual([{ message: expect.stringMatching(/grace period/), reason: 'expired' }]);
    expect(fresh.errors).toContain('SESSION_EXPIRED');
    expect(fresh.client.playerId).not.toBe(old.opened[0]?.playerId);
    expect(fresh.opened).toEqual([expect.objectContaining({ takenOver: false })]);
    expect(fresh.client.room).toBeUndefined();
  });

  it('a token taken over already: RESUME_REJECTED, and the session stays with the client that has it', async () => {
    const target = await server();
    const old = client(target.wsUrl);
    await old.client.connect();
    const token = old.client.resumeToken;
    const first = client(target.wsUrl, token);
    await first.client.connect();
    const second = client(target.wsUrl, token);
    await second.client.connect();
    expect(second.errors).toContain('RESUME_REJECTED');
    expect(second.expired).toEqual([{ message: expect.stringMatching(/taken over by another client/) }]);
    expect(second.client.playerId).not.toBe(first.client.playerId);
    expect(first.client.state).toBe('open');
    expect(first.closed).toEqual([]);
  });

  it('a forged token (its secret altered): RESUME_REJECTED, the real session untouched', async () => {
    const target = await server();
    const old = client(target.wsUrl);
    await old.client.connect();
    const forged = client(target.wsUrl, altered(old.client.resumeToken as string));
    await forged.client.connect();
    expect(forged.errors).toContain('RESUME_REJECTED');
    expect(forged.expired).toEqual([{ message: expect.stringMatching(/does not match/) }]);
    expect(forged.client.playerId).not.toBe(old.client.playerId);
    expect(old.client.state).toBe('open');
    expect(old.closed).toEqual([]);
  });

  it('garbage: RESUME_REJECTED from the client, with nothing sent for it', async () => {
    const target = await server();
    const fresh = client(target.wsUrl, 'not a token at all');
    await fresh.client.connect();
    expect(fresh.errors).toEqual(['RESUME_REJECTED']);
    expect(fresh.expired).toEqual([{ message: expect.stringMatching(/cannot be read/) }]);
    expect(fresh.opened).toEqual([expect.objectContaining({ takenOver: false })]);
  });

  it("another server's token: unknown", async () => {
    const first = await server();
    const second = await server();
    const old = client(first.wsUrl);
    await old.client.connect();
    const fresh = client(second.wsUrl, old.client.resumeToken);
    await fresh.client.connect();
    expect(fresh.expired).toEqual([
      { message: expect.stringMatching(/never had that session/), reason: 'unknown' },
    ]);
    expect(old.client.state).toBe('open');
  });
});

describe('the resume token', () => {
  it('is told with each new one (resume-token), and is gone with the session', async () => {
    const target = await server();
    const old = client(target.wsUrl);
    const told: string[] = [];
    old.client.on('resume-token', ({ token }) => told.push(token));
    expect(old.client.resumeToken).toBeUndefined();
    await old.client.connect();
    expect(told).toEqual([old.client.resumeToken]);
    const fresh = client(target.wsUrl, old.client.resumeToken);
    const toldFresh: string[] = [];
    fresh.client.on('resume-token', ({ token }) => toldFresh.push(token));
    await fresh.client.connect();
    expect(toldFresh).toEqual([fresh.client.resumeToken]);
    await fresh.client.close();
    expect(fresh.client.resumeToken).toBeUndefined();
  });
});
