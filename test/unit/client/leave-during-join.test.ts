import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind, type Message } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';

/**
 * A client seated in `room-1`, of a server that answers a join of `room-2` only when the test says
 * (`answerJoin`), and every leave at once. `requests` lists the requests it got, in order.
 */
async function seatedClient() {
  const clock = new ManualClock();
  const server = new FakeServer();
  let waitingJoin: number | undefined;
  let membership = 0;
  server.onMessage = (message: Message) => {
    if (message.kind === Kind.Hello) server.welcome(SELF, clock);
    else if (message.kind === Kind.LeaveRoom) server.send(Kind.Response, { rid: message.body.rid, ok: true });
    else if (message.kind === Kind.JoinRoom && message.body.roomId === 'room-1') {
      const result = joinedRoom('room-1', [SELF], { membership: ++membership });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    } else if (message.kind === Kind.JoinRoom) waitingJoin = message.body.rid;
  };
  const client = server.client(clock);
  await client.connect();
  const room = await client.join('room-1');
  const requests = () =>
    server.received
      .filter((message) => message.kind === Kind.JoinRoom || message.kind === Kind.LeaveRoom)
      .map((message) =>
        message.kind === Kind.JoinRoom ? `join ${(message.body as { roomId: string }).roomId}` : 'leave',
      );
  const answerJoin = (ok: boolean) => {
    const rid = waitingJoin as number;
    if (ok) {
      const result = joinedRoom('room-2', [SELF], { membership: ++membership });
      server.send(Kind.Response, { rid, ok: true, result } as Body<typeof Kind.Response>);
    } else server.send(Kind.Response, { rid, ok: false, code: ErrorCode.ROOM_FULL, message: 'full' });
  };
  return { client, room, requests, answerJoin };
}

describe('leaving a room while a join of another is on its way', () => {
  it('does not take the player out of the room that join seats them in', async () => {
    const { client, room, requests, answerJoin } = await seatedClient();
    const joining = client.join('room-2');
    await Promise.resolve();
    let leaveDone = false;
    const leaving = room.leave().then(() => (leaveDone = true));
    await Promise.resolve();
    answerJoin(true);
    const joined = await joining;
    await leaving;
    expect(leaveDone).toBe(true);
    // The server takes the join first: a leave sent behind it (it leaves whatever room the session is in)
    // took the player out of room-2, while the client went on as seated there.
    expect(requests()).toEqual(['join room-1', 'join room-2']);
    expect(client.room).toBe(joined);
    expect(joined.left).toBe(false);
  });

  it('still leaves the room when that join is refused, the player being in it yet', async () => {
    const { client, room, requests, answerJoin } = await seatedClient();
    const joining = client.join('room-2').catch((error: unknown) => error);
    await Promise.resolve();
    const leaving = room.leave();
    await Promise.resolve();
    answerJoin(false);
    expect(await joining).toMatchObject({ code: ErrorCode.ROOM_FULL });
    await leaving;
    expect(requests()).toEqual(['join room-1', 'join room-2', 'leave']);
    expect(client.room).toBeUndefined();
  });
});

/**
 * A client whose server holds every join's answer until the test gives it (`answer`), and answers every
 * leave at once. `requests` lists the joins and leaves it got, in order.
 */
async function heldJoins() {
  const clock = new ManualClock();
  const server = new FakeServer();
  const waiting = new Map<string, number>();
  server.onMessage = (message: Message) => {
    if (message.kind === Kind.Hello) server.welcome(SELF, clock);
    else if (message.kind === Kind.LeaveRoom) server.send(Kind.Response, { rid: message.body.rid, ok: true });
    else if (message.kind === Kind.JoinRoom) waiting.set(message.body.roomId, message.body.rid);
  };
  const client = server.client(clock);
  await client.connect();
  const requests = () =>
    server.received
      .filter((message) => message.kind === Kind.JoinRoom || message.kind === Kind.LeaveRoom)
      .map((message) =>
        message.kind === Kind.JoinRoom ? `join ${(message.body as { roomId: string }).roomId}` : 'leave',
      );
  const answer = (roomId: string, result: unknown) => {
    const rid = waiting.get(roomId) as number;
    if (result === undefined)
      server.send(Kind.Response, { rid, ok: false, code: ErrorCode.ROOM_FULL, message: 'full' });
    else server.send(Kind.Response, { rid, ok: true, result } as Body<typeof Kind.Response>);
  };
  return { client, requests, answer };
}

/** An answer no client can read: its room's title is over the protocol's limit. */
const unreadable = (roomId: string) => {
  const joined = joinedRoom(roomId, [SELF], { membership: 1 });
  return { ...joined, room: { ...joined.room, metadata: { title: 'x'.repeat(200) } } };
};
/** An answer that cannot even be decoded: nested too deep. */
const undecodable = (roomId: string) => {
  let state: unknown = 1;
  for (let level = 0; level < 20; level++) state = [state];
  return { ...joinedRoom(roomId, [SELF], { membership: 1 }), state };
};

describe('the leave of a join whose answer cannot be read, while another join is on its way', () => {
  for (const [what, bad] of [
    ['unreadable', unreadable],
    ['undecodable', undecodable],
  ] as const) {
    it(`(${what}) does not take the player out of the room that join seats them in`, async () => {
      const { client, requests, answer } = await heldJoins();
      const bad1 = client.join('room-bad').catch((error: unknown) => error);
      const joining = client.join('room-2');
      await Promise.resolve();
      answer('room-bad', bad('room-bad'));
      expect(await bad1).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
      answer('room-2', joinedRoom('room-2', [SELF], { membership: 2 }));
      const joined = await joining;
      await new Promise((resolve) => setTimeout(resolve, 0));
      // The leave went at once, behind the join of room-2: it took the player out of room-2, while the
      // client went on as seated there.
      expect(requests()).toEqual(['join room-bad', 'join room-2']);
      expect(client.room).toBe(joined);
      expect(joined.left).toBe(false);
    });

    it(`(${what}) still leaves when that join is refused, the player being seated in the room yet`, async () => {
      const { client, requests, answer } = await heldJoins();
      const bad1 = client.join('room-bad').catch((error: unknown) => error);
      const joining = client.join('room-2').catch((error: unknown) => error);
      await Promise.resolve();
      answer('room-bad', bad('room-bad'));
      expect(await bad1).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
      answer('room-2', undefined);
      expect(await joining).toMatchObject({ code: ErrorCode.ROOM_FULL });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(requests()).toEqual(['join room-bad', 'join room-2', 'leave']);
      expect(client.room).toBeUndefined();
    });
  }

  for (const [what, bad] of [
    ['unreadable', unreadable],
    ['undecodable', undecodable],
  ] as const) {
    it(`(${what}) alone: leaves at once, ahead of the join the app makes on hearing of the failure`, async () => {
      const { client, requests, answer } = await heldJoins();
      const next = client.join('room-bad').catch(() => client.join('room-2'));
      await Promise.resolve();
      answer('room-bad', bad('room-bad'));
      await new Promise((resolve) => setTimeout(resolve, 0));
      answer('room-2', joinedRoom('room-2', [SELF], { membership: 2 }));
      const joined = await next;
      // Sent only after a wait for the joins on their way, the leave could go behind the app's next join,
      // which it would undo: the server leaves whatever room the session is in.
      expect(requests()).toEqual(['join room-bad', 'leave', 'join room-2']);
      expect(client.room).toBe(joined);
    });
  }
});
