import * as v from 'valibot';
import type { Client, RoomConnection } from 'vehikill-net/client';
import { closeCodeFor, ErrorCode, Kind, SessionGoneReason } from 'vehikill-net/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * Code outside any room (an admin handler, a moderation tool) reaching this process's rooms through the
 * GameServer, and ending a player's session for good.
 */

/** A room whose players can end their own session from a message (a '/quit' chat command, say). */
class QuitRoom extends TestRoom {
  override onCreate(options: unknown): void {
    super.onCreate(options);
    this.onMessage('quit', v.string(), (client, reason) => t.server.endSession(client.playerId, reason));
  }
}

let t: TestServer;
const raws: RawClient[] = [];
beforeAll(async () => {
  t = await startServer({ test: TestRoom, quit: QuitRoom });
});
afterAll(() => t.close());
afterEach(() => {
  for (const raw of raws.splice(0)) raw.close();
});

/** A connected client and a room it created, whose member-leave reasons are recorded. */
async function roomWithHost(): Promise<{ host: Client; room: RoomConnection; leaves: string[] }> {
  const host = t.client({ name: 'Host' });
  await host.connect();
  const room = await host.create('test');
  const leaves: string[] = [];
  room.on('member-leave', ({ playerId, reason }) => leaves.push(`${playerId} ${reason}`));
  return { host, room, leaves };
}

/** A raw player seated in `roomId`, whose id and resume token the test holds. */
async function rawPlayerIn(roomId: string): Promise<{ raw: RawClient; playerId: string; token: string }> {
  const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('Raw'));
  raws.push(raw);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  const { playerId, resumeToken } = raw.received(Kind.Welcome)[0]!;
  raw.send(Kind.JoinRoom, { rid: 1, roomId });
  await eventually(() => raw.received(Kind.Response).length === 1, 'the join answered');
  return { raw, playerId, token: resumeToken };
}

/** Tries to resume the session `playerId` with `token` on a new socket: the Error it gets and the close. */
async function resume(playerId: string, token: string): Promise<{ error: unknown; closeCode: number }> {
  const back = new RawClient(t.wsUrl, t.server.issueGuestToken('Raw'));
  raws.push(back);
  await back.opened;
  back.hello({ playerId, token, ack: 0 });
  const closeCode = await back.closed;
  return { error: back.received(Kind.Error)[0], closeCode };
}

describe('reaching rooms from outside them', () => {
  it('finds a room by id, lists the rooms with their players, and finds the room a player sits in', async () => {
    const { host, room } = await roomWithHost();
    const guest = t.client({ name: 'Guest' });
    await guest.connect();
    const guestRoom = await guest.join(room.roomId);
    const idle = t.client({ name: 'Idle' });
    await idle.connect();

    const found = t.server.localRoom(room.roomId);
    expect(found).toBeInstanceOf(TestRoom);
    expect(found?.type).toBe('test');
    expect(found?.clients.map((client) => client.name).sort()).toEqual(['Guest', 'Host']);
    expect(t.server.localRooms()).toContain(found);
    expect(t.server.localRoomOf(guest.playerId ?? '')).toBe(found);
    expect(t.server.localRoomOf(host.playerId ?? '')).toBe(found);
    // In no room, and no such session or room: nothing, not a throw.
    expect(t.server.localRoomOf(idle.playerId ?? '')).toBeUndefined();
    expect(t.server.localRoomOf('no-such-player')).toBeUndefined();
    expect(t.server.localRoom('no-such-room')).toBeUndefined();

    // The room object is the app's own: its methods act as they do from inside the room.
    const heard: unknown[] = [];
    guestRoom.onMessage('news', (data) => heard.push(data));
    found?.broadcast('news', { text: 'the server restarts at noon' });
    await eventually(() => heard.length === 1, 'the announcement');
    expect(heard).toEqual([{ text: 'the server restarts at noon' }]);

    // Gone once disposed.
    found?.dispose();
    expect(t.server.localRoom(room.roomId)).toBeUndefined();
    expect(t.server.localRooms()).not.toContain(found);
    expect(t.server.localRoomOf(guest.playerId ?? '')).toBeUndefined();
  });
});

describe('endSession', () => {
  it("closes the player's client for good with SESSION_ENDED and the reason; its room mates see it leave", async () => {
    const { room, leaves } = await roomWithHost();
    const player = t.client({ name: 'Cheater' });
    const seen: string[] = [];
    player.on('drop', () => seen.push('drop'));
    player.on('session-expired', () => seen.push('session-expired'));
    player.on('open', () => seen.push('open'));
    await player.connect();
    const playerId = player.playerId ?? '';
    const joined = await player.join(room.roomId);
    const left: unknown[] = [];
    joined.on('leave', (event) => left.push(event));
    const closed = new Promise((resolve) => player.on('closed', resolve));
    const sessions = t.server.sessionCount;

    expect(t.server.endSession(playerId, 'cheating, says a moderator')).toBe(true);

    expect(await closed).toEqual({ code: ErrorCode.SESSION_ENDED, message: 'cheating, says a moderator' });
    expect(player.state).toBe('closed');
    // Seen as the end it is: no drop, no fresh session of its own.
    expect(seen).toEqual(['open']);
    expect(left).toEqual([{ reason: ErrorCode.SESSION_ENDED, message: 'cheating, says a moderator' }]);
    expect(t.server.sessionCount).toBe(sessions - 1);
    await eventually(() => leaves.length === 1, 'the host sees the player leave');
    expect(leaves).toEqual([`${playerId} ${ErrorCode.SESSION_ENDED}`]);
    const testRoom = t.server.localRoom(room.roomId) as TestRoom;
    expect(testRoom.events).toContain(`leave:${playerId}:${ErrorCode.SESSION_ENDED}`);
    expect(testRoom.clients.map((client) => client.playerId)).not.toContain(playerId);
  });

  it('tells the socket why in a goodbye, closes it with SESSION_ENDED, and the session cannot be resumed', async () => {
    const { room } = await roomWithHost();
    const { raw, playerId, token } = await rawPlayerIn(room.roomId);

    expect(t.server.endSession(playerId, 'banned')).toBe(true);

    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.SESSION_ENDED));
    expect(raw.received(Kind.Bye)).toEqual([{ code: ErrorCode.SESSION_ENDED, message: 'banned' }]);
    expect(await resume(playerId, token)).toEqual({
      error: {
        code: ErrorCode.SESSION_EXPIRED,
        reason: SessionGoneReason.ended,
        message: 'the session was ended by the server (SESSION_ENDED): join again',
      },
      closeCode: closeCodeFor(ErrorCode.SESSION_EXPIRED),
    });
  });

  it('ends a session whose player is away: the seat goes at once, and the return finds the session ended', async () => {
    const { room, leaves } = await roomWithHost();
    const presence: string[] = [];
    room.on('member-away', () => presence.push('away'));
    const { raw, playerId, token } = await rawPlayerIn(room.roomId);
    raw.close(); // a drop: the seat is held for the grace period
    await eventually(() => presence.length === 1, 'the player is away');

    expect(t.server.endSession(playerId)).toBe(true);

    await eventually(() => leaves.length === 1, 'the host sees the player leave');
    expect(leaves).toEqual([`${playerId} ${ErrorCode.SESSION_ENDED}`]);
    expect(t.server.localRoom(room.roomId)?.clients).toHaveLength(1);
    expect((await resume(playerId, token)).error).toMatchObject({
      code: ErrorCode.SESSION_EXPIRED,
      reason: SessionGoneReason.ended,
    });
  });

  it('answers false for a player it has no session of, and for a session it ended already, changing nothing', async () => {
    const { room, leaves } = await roomWithHost();
    const { playerId } = await rawPlayerIn(room.roomId);
    const sessions = t.server.sessionCount;

    expect(t.server.endSession('no-such-player')).toBe(false);
    expect(t.server.endSession('')).toBe(false);
    expect(t.server.sessionCount).toBe(sessions);

    expect(t.server.endSession(playerId)).toBe(true);
    expect(t.server.endSession(playerId)).toBe(false);
    expect(t.server.sessionCount).toBe(sessions - 1);
    await eventually(() => leaves.length === 1, 'the host sees the player leave');
    // Heard once: anything more the server sent would be in before this echo.
    const echoed = new Promise((resolve) => room.onMessage('echo', resolve));
    room.send('echo', 1);
    await echoed;
    expect(leaves).toEqual([`${playerId} ${ErrorCode.SESSION_ENDED}`]);
  });

  it("ends the sender's own session from a room's message handler, and the others hear it leave", async () => {
    const host = t.client({ name: 'Host' });
    await host.connect();
    const room = await host.create('quit');
    const leaves: string[] = [];
    room.on('member-leave', ({ reason }) => leaves.push(reason));
    const player = t.client({ name: 'Quitter' });
    await player.connect();
    const joined = await player.join(room.roomId);
    const closed = new Promise((resolve) => player.on('closed', resolve));
    const errors: string[] = [];
    player.on('error', (error) => errors.push(error.code));

    joined.send('quit', 'said /quit');

    expect(await closed).toEqual({ code: ErrorCode.SESSION_ENDED, message: 'said /quit' });
    await eventually(() => leaves.length === 1, 'the host sees the player leave');
    expect(leaves).toEqual([ErrorCode.SESSION_ENDED]);
    expect(errors).toEqual([]);
    // The room and its host play on.
    const echoed = new Promise((resolve) => room.onMessage('echo', resolve));
    room.send('echo', 2);
    expect(await echoed).toBe(2);
  });

  it('cuts a message longer than the protocol carries, and refuses a message that is no string', async () => {
    const { room } = await roomWithHost();
    const { raw, playerId } = await rawPlayerIn(room.roomId);
    expect(() => t.server.endSession(playerId, 42 as unknown as string)).toThrow(TypeError);
    expect(t.server.endSession(playerId, 'x'.repeat(2_000))).toBe(true);
    await raw.closed;
    expect(raw.received(Kind.Bye)).toEqual([{ code: ErrorCode.SESSION_ENDED, message: 'x'.repeat(512) }]);
  });
});
