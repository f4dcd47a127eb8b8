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
