import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind, type Message } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';
const OTHER = 'bbbbbbbb02';
const GONE = 'cccccccc03';
const PASSING = 'dddddddd04';

/**
 * A client seated in `room-1` (with OTHER and GONE), that leaves it without waiting and joins it again,
 * as the docs say to join a room anew. The server holds the answers to that leave and join until
 * `answer(oldSeating)`: it first sends what the room sent the old seating before it read the leave, then
 * the two answers, then the new seating's first message, all in one read (as ws in Node hands them over).
 */
async function leaveAndRejoin() {
  const clock = new ManualClock();
  const server = new FakeServer();
  const held: Array<{ rid: number; kind: string }> = [];
  let membership = 0;
  server.onMessage = (message: Message) => {
    if (message.kind === Kind.Hello) server.welcome(SELF, clock);
    else if (message.kind === Kind.LeaveRoom) held.push({ rid: message.body.rid, kind: 'leave' });
    else if (message.kind === Kind.JoinRoom && membership === 0) {
      const result = joinedRoom('room-1', [SELF, OTHER, GONE], { membership: ++membership });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    } else if (message.kind === Kind.JoinRoom) held.push({ rid: message.body.rid, kind: 'join' });
  };
  const client = server.client(clock);
  await client.connect();
  const first = await client.join('room-1');
  void first.leave();
  const rejoining = client.join('room-1');
  await Promise.resolve();
  const answer = (oldSeating: Message[]) => {
    for (const message of oldSeating) server.send(message.kind, message.body as never);
    for (const { rid, kind } of held) {
      const result =
        kind === 'join' ? joinedRoom('room-1', [SELF, OTHER], { membership: ++membership }) : undefined;
      server.send(Kind.Response, { rid, ok: true, result } as Body<typeof Kind.Response>);
    }
    server.send(Kind.ServerRoomMessage, { roomId: 'room-1', t: 'news', d: 'new seating' });
  };
  return { rejoining, answer };
}

describe('a room left and joined again at once', () => {
  it('hands the new seating none of what the room sent the old one before the server read the leave', async () => {
    const { rejoining, answer } = await leaveAndRejoin();
    answer([
      { kind: Kind.ServerRoomMessage, body: { roomId: 'room-1', t: 'news', d: 'old seating' } },
      { kind: Kind.MemberLeft, body: { roomId: 'room-1', playerId: GONE, reason: 'left' } },
      {
        kind: Kind.MemberJoined,
        body: { roomId: 'room-1', member: { playerId: PASSING, name: 'd', away: false } },
      },
      { kind: Kind.MemberLeft, body: { roomId: 'room-1', playerId: PASSING, reason: 'left' } },
      {
        kind: Kind.MemberJoined,
        body: { roomId: 'room-1', member: { playerId: GONE, name: 'c', away: false } },
      },
    ] as Message[]);
    const room = await rejoining;
    const news: unknown[] = [];
    room.onMessage('news', (data) => news.push(data));
    expect(news).toEqual(['new seating']);
    // GONE left the old seating and came back to it: the new seating's answer, later, does not list it.
    expect(room.members.map((member) => member.playerId)).toEqual([SELF, OTHER]);
  });

  it('is not failed by a kick from the old seating that crossed the leave', async () => {
    const { rejoining, answer } = await leaveAndRejoin();
    answer([
      { kind: Kind.RoomLeft, body: { roomId: 'room-1', reason: ErrorCode.KICKED, message: 'kicked' } },
    ] as Message[]);
    // Failed, the join left the player seated on the server in a room the app never saw.
    const room = await rejoining;
    expect(room.left).toBe(false);
  });
});
