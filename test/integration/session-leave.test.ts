import type { RoomConnection } from 'vehikill-net/client';
import { closeCodeFor, ErrorCode, Kind, SESSION_LEAVE_PATH } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * The HTTP goodbye (SESSION_LEAVE_PATH) a page going away sends as a beacon: it ends the session at once,
 * as a clean close of its socket would, and refuses whatever does not prove a live session.
 */

let t: TestServer;
const raws: RawClient[] = [];
beforeAll(async () => {
  // The default grace period, 30 s: "at once" below is long before a held seat would be let go.
  t = await startServer({ test: TestRoom });
});
afterAll(() => t.close());
afterEach(() => {
  vi.restoreAllMocks();
  for (const raw of raws.splice(0)) raw.close();
});

const metrics = () => t.server.metrics as CountingMetrics;

/** POSTs `body` to the leave endpoint as a beacon does (text/plain); the status and the JSON body if any. */
async function postLeave(body: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${t.httpUrl}${SESSION_LEAVE_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body,
    ...init,
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * A room with a watching player in it, and a raw player seated there whose session's id and resume token
 * the test holds (what a page's client holds). `presence` records what the watcher hears of the raw one.
 */
async function playerInRoom(): Promise<{
  raw: RawClient;
  playerId: string;
  token: string;
  room: RoomConnection;
  presence: string[];
  /** The guest token the raw player connected with: a resume must come from the same guest. */
  guest: string;
}> {
  const watcher = t.client();
  await watcher.connect();
  const room = await watcher.create('test');
  const guest = t.server.issueGuestToken('raw');
  const raw = new RawClient(t.wsUrl, guest);
  raws.push(raw);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  const { playerId, resumeToken } = raw.received(Kind.Welcome)[0]!;
  raw.send(Kind.JoinRoom, { rid: 1, roomId: room.roomId });
  await eventually(() => room.members.length === 2, 'the raw player is seated');
  const presence: string[] = [];
  room.on('member-away', () => presence.push('away'));
  room.on('member-leave', ({ reason }) => presence.push(`leave ${reason}`));
  return { raw, playerId, token: resumeToken, room, presence, guest };
}

describe('a leave request with the session token', () => {
  it('after the socket dropped without a goodbye: the room hears a normal leave at once, the seat is free', async () => {
    const { raw, playerId, token, room, presence } = await playerInRoom();
    const sessions = t.server.sessionCount;
    raw.close(); // an abnormal drop (1006): the server holds the seat for the grace period
    await eventually(() => presence.length === 1, 'the player is away');

    expect(await postLeave(JSON.stringify({ playerId, token }))).toEqual({ status: 204, body: undefined });
    // Already done when the answer came: no grace period, no timer.
    expect(presence).toEqual(['away', 'leave left']);
    expect(room.members.map((member) => member.playerId)).not.toContain(playerId);
    expect(t.server.sessionCount).toBe(sessions - 1);
    // Ended for good: the token proves nothing any more, nor resumes.
    expect(await postLeave(JSON.stringify({ playerId, token }))).toMatchObject({
      status: 404,
      body: { code: ErrorCode.SESSION_EXPIRED },
    });
    const back = new RawClient(t.wsUrl, t.server.issueGuestToken('raw'));
    raws.push(back);
    await back.opened;
    back.hello({ playerId, token, ack: 0 });
    expect(await back.closed).toBe(closeCodeFor(ErrorCode.SESSION_EXPIRED));
  });

  it('before the socket closed: the socket is closed for it, and the room hears one normal leave', async () => {
    const { raw, playerId, token, room, presence } = await playerInRoom();
    expect((await postLeave(JSON.stringify({ playerId, token }))).status).toBe(204);
    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.SESSION_EXPIRED));
    expect(raw.received(Kind.Error).map((error) => error.code)).toEqual([ErrorCode.SESSION_EXPIRED]);
    expect(presence).toEqual(['leave left']);
    expect(room.members).toHaveLength(1);
  });
});

describe('a leave request with keepMs (a page that may be reloaded)', () => {
  it('holds the session for at most keepMs once its socket is gone, then ends it as an expiry', async () => {
    const { raw, playerId, token, room, presence } = await playerInRoom();
    const sessions = t.server.sessionCount;
    // Sent before the socket closes, as a beacon from pagehide usually is: nothing ends yet.
    expect(await postLeave(JSON.stringify({ playerId, token, keepMs: 400 }))).toEqual({
      status: 204,
      body: undefined,
    });
    expect(raw.closeCode).toBeUndefined();
    raw.close(); // the page is gone (1006): away, with 400 ms left of the server's 30 s grace period
    await eventually(() => presence.length === 1, 'the player is away');
    expect(room.members.map((member) => member.playerId)).toContain(playerId);
    await eventually(() => presence.length === 2, 'the seat let go after keepMs', 3_000);
    expect(presence).toEqual(['away', `leave ${ErrorCode.SESSION_EXPIRED}`]);
    expect(t.server.sessionCount).toBe(sessions - 1);
  });

  it('a resume within keepMs (the reloaded page) keeps the session, and lets the hold go for good', async () => {
    const { raw, playerId, token, room, presence, guest } = await playerInRoom();
    expect((await postLeave(JSON.stringify({ playerId, token, keepMs: 300 }))).status).toBe(204);
    raw.close();
    await eventually(() => presence.length === 1, 'the player is away');
    const back = new RawClient(t.wsUrl, guest);
    raws.push(back);
    await back.opened;
    back.hello({ playerId, token, ack: 0, attempt: 1 });
    await eventually(() => back.received(Kind.Welcome).length === 1, 'resumed');
    await eventually(() => room.members.find((m) => m.playerId === playerId)?.away === false, 'back');
    // A later drop has the whole grace period again, not what was left of keepMs.
    back.close();
    await eventually(() => presence.length === 2, 'away again');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(presence).toEqual(['away', 'away']);
    expect(room.members.map((member) => member.playerId)).toContain(playerId);
  });

  it('a keepMs that is no whole number of ms in 1..600,000: 400, and the session plays on', async () => {
    const { raw, playerId, token, presence } = await playerInRoom();
    for (const keepMs of [0, 1.5, 600_001, '10']) {
      expect(await postLeave(JSON.stringify({ playerId, token, keepMs }))).toMatchObject({
        status: 400,
        body: { code: ErrorCode.INVALID_MESSAGE },
      });
    }
    expect(presence).toEqual([]);
    expect(raw.closeCode).toBeUndefined();
  });
});

describe('a leave request that proves no live session', () => {
  it('a wrong token: 403 RESUME_REJECTED, counted, and the real session plays on untouched', async () => {
    const { raw, playerId, token, room, presence } = await playerInRoom();
    const before = metrics().total('resume_failures_total', { code: ErrorCode.RESUME_REJECTED });
    const noted = vi.spyOn(t.server.monitoring.clientErrors, 'count');
    // The same length, one character off: what a guess closest to the secret looks like.
    const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const wrong of [forged, 'x', '']) {
      expect(await postLeave(JSON.stringify({ playerId, token: wrong }))).toEqual({
        status: 403,
        body: { code: ErrorCode.RESUME_REJECTED, message: 'resume token does not match this session' },
      });
    }
    expect(metrics().total('resume_failures_total', { code: ErrorCode.RESUME_REJECTED })).toBe(before + 3);
    // Counted by source, so that one address guessing is one source for the error-spike alert.
    const sources = noted.mock.calls.map(([name, labels, source]) => [name, labels, source]);
    expect(sources).toEqual(
      Array.from({ length: 3 }, () => [
        'resume_failures_total',
        { code: ErrorCode.RESUME_REJECTED },
        '127.0.0.1',
      ]),
    );
    noted.mockRestore();
    // Still seated and still heard: a chat from it reaches the room.
    const heard: string[] = [];
    room.onMessage('chat', (message) => heard.push((message as { text: string }).text));
    raw.send(Kind.ClientRoomMessage, { t: 'chat', d: { text: 'still here' } });
    await eventually(() => heard.length === 1, 'the chat arrives');
    expect(presence).toEqual([]);
    expect(raw.closeCode).toBeUndefined();
    // And the right token still ends it.
    expect((await postLeave(JSON.stringify({ playerId, token }))).status).toBe(204);
  });

  it('an unknown session: 404 SESSION_EXPIRED, saying this server never had it', async () => {
    const { playerId, token } = await playerInRoom();
    expect(await postLeave(JSON.stringify({ playerId: 'AAAAAAAAAAAAAAAA', token }))).toMatchObject({
      status: 404,
      body: { code: ErrorCode.SESSION_EXPIRED },
    });
    // A token of another node's: the message says so.
    const elsewhere = await postLeave(JSON.stringify({ playerId: 'AAAAAAAAAAAAAAAA', token: 'other.node' }));
    expect(elsewhere.body).toEqual({
      code: ErrorCode.SESSION_EXPIRED,
      message:
        'this server never had that session (it began on another server, or before a restart): join again',
    });
    expect(t.server.sessionCount).toBeGreaterThanOrEqual(1);
    expect((await postLeave(JSON.stringify({ playerId, token }))).status).toBe(204);
  });
});

describe('a leave request the server cannot read', () => {
  const malformed: Array<[string, string]> = [
    ['an empty body', ''],
    ['not JSON', 'playerId=abc&token=def'],
    ['a JSON array', '["AAAAAAAAAAAAAAAA", "token"]'],
    ['no token', '{"playerId": "AAAAAAAAAAAAAAAA"}'],
    ['a token that is no string', '{"playerId": "AAAAAAAAAAAAAAAA", "token": 42}'],
    ['a player id of the wrong shape', '{"playerId": "../../etc", "token": "t"}'],
    ['a token over 128 characters', `{"playerId": "AAAAAAAAAAAAAAAA", "token": "${'a'.repeat(129)}"}`],
  ];
  it.each(malformed)(
    '%s: 400 INVALID_MESSAGE saying the shape, counted as bad input',
    async (_name, body) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      const before = metrics().total('bad_input_total', { code: ErrorCode.INVALID_MESSAGE });
      const answer = await postLeave(body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        code: ErrorCode.INVALID_MESSAGE,
        message: expect.stringMatching(/playerId/),
      });
      expect(metrics().total('bad_input_total', { code: ErrorCode.INVALID_MESSAGE })).toBe(before + 1);
      expect(logged).not.toHaveBeenCalled();
    },
  );

  it('a body over 1 KiB, declared or sent in chunks: 413 MESSAGE_TOO_LARGE, counted, the session untouched', async () => {
    const { playerId, token, presence } = await playerInRoom();
    const before = metrics().total('bad_input_total', { code: ErrorCode.MESSAGE_TOO_LARGE });
    const padded = JSON.stringify({ playerId, token, pad: 'a'.repeat(2_000) });
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < padded.length; at += 100)
          controller.enqueue(new TextEncoder().encode(padded.slice(at, at + 100)));
        controller.close();
      },
    });
    for (const init of [{}, { body: chunked, duplex: 'half' }]) {
      expect(await postLeave(padded, init)).toEqual({
        status: 413,
        body: { code: ErrorCode.MESSAGE_TOO_LARGE, message: 'the body is over 1,024 bytes' },
      });
    }
    expect(metrics().total('bad_input_total', { code: ErrorCode.MESSAGE_TOO_LARGE })).toBe(before + 2);
    expect(presence).toEqual([]);
    expect((await postLeave(JSON.stringify({ playerId, token }))).status).toBe(204);
  });

  it('another method: 405 with Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'OPTIONS']) {
      const response = await fetch(`${t.httpUrl}${SESSION_LEAVE_PATH}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({ code: ErrorCode.INVALID_MESSAGE, message: 'use POST' });
    }
  });

  it('leaves the server serving: health, guest tokens and new sessions', async () => {
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
    const client = t.client();
    await client.connect();
    expect(client.state).toBe('open');
  });
});
