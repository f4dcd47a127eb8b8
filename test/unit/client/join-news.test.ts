import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind, type Message, ProtocolError } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';
const OTHER = 'bbbbbbbb02';
const LATE = 'cccccccc03';

/**
 * In Node, ws can hand the client a join's answer and the room's next frames in one read, before the join
 * has made the room the client's: here they are delivered back to back, in one turn. `behind` is what the
 * room sends right behind the answer.
 */
async function joinWith(behind: (roomId: string) => Message[]) {
  const clock = new ManualClock();
  const server = new FakeServer();
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) server.welcome(SELF, clock);
    if (message.kind !== Kind.JoinRoom) return;
    const { rid, roomId } = message.body;
    server.send(Kind.Response, { rid, ok: true, result: joinedRoom(roomId, [OTHER, SELF]) } as Body<
      typeof Kind.Response
    >);
    for (const next of behind(roomId)) server.send(next.kind, next.body as never);
  };
  const client = server.client(clock);
  await client.connect();
  return client.join('room-1');
}

describe("news of the joined room that comes right behind the join's answer", () => {
  it('a player who joined at the same moment, and one who left, are in the members the app sees', async () => {
    const room = await joinWith((roomId) => [
      { kind: Kind.MemberJoined, body: { roomId, member: { playerId: LATE, name: 'c', away: false } } },
      { kind: Kind.MemberAway, body: { roomId, playerId: LATE } },
      { kind: Kind.MemberLeft, body: { roomId, playerId: OTHER, reason: 'left' } },
    ]);
    expect(room.members.map((m) => [m.playerId, m.away])).toEqual([
      [SELF, false],
      [LATE, true],
    ]);
  });

  it('a room closed right behind the answer fails the join with the reason, not a room already left', async () => {
    const joining = joinWith((roomId) => [
      {
        kind: Kind.RoomLeft,
        body: { roomId, reason: ErrorCode.SERVER_SHUTTING_DOWN, message: 'the server is shutting down' },
      },
    ]);
    await expect(joining).rejects.toThrow(ProtocolError);
    await expect(joining).rejects.toMatchObject({
      code: ErrorCode.SERVER_SHUTTING_DOWN,
      message: expect.stringContaining('the server is shutting down'),
    });
  });

  it("another room's news is not applied to the joined one", async () => {
    const room = await joinWith(() => [
      {
        kind: Kind.MemberJoined,
        body: { roomId: 'room-2', member: { playerId: LATE, name: 'c', away: false } },
      },
    ]);
    expect(room.members.map((m) => m.playerId).sort()).toEqual([OTHER, SELF].sort());
  });
});
