import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';
const OTHER = 'bbbbbbbb02';

/**
 * A client of a server that answers every join of `room-1` with the seating `membership()` names: as a
 * server of an earlier version did, which answered a join of the room the player was in with the room as
 * it was, the same seating.
 */
async function clientOf(membership: () => number) {
  const clock = new ManualClock();
  const server = new FakeServer();
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) server.welcome(SELF, clock);
    if (message.kind !== Kind.JoinRoom) return;
    const result = joinedRoom(message.body.roomId, [OTHER, SELF], { membership: membership() });
    server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
  };
  const client = server.client(clock);
  await client.connect();
  return { client, server };
}

const ALREADY_IN = {
  code: ErrorCode.JOIN_REJECTED,
  message: 'already in this room: leave it first to join it again',
};

describe('a join of the room the client is in', () => {
  it('is refused without asking the server, and the room stays as it was', async () => {
    const { client, server } = await clientOf(() => 1);
    const room = await client.join('room-1');
    const left: string[] = [];
    room.on('leave', ({ message }) => left.push(message));
    await expect(client.join('room-1', { team: 'red' })).rejects.toMatchObject(ALREADY_IN);
    expect(server.receivedOf(Kind.JoinRoom)).toHaveLength(1);
    expect(client.room).toBe(room);
    expect(left).toEqual([]);
  });

  it("an answer naming the seating the client has (an earlier server's answer to two joins sent at once) is refused; the room stays", async () => {
    const { client, server } = await clientOf(() => 1);
    const [first, second] = await Promise.allSettled([client.join('room-1'), client.join('room-1')]);
    expect(server.receivedOf(Kind.JoinRoom)).toHaveLength(2);
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: ALREADY_IN });
    const room = (first as PromiseFulfilledResult<NonNullable<typeof client.room>>).value;
    expect(client.room).toBe(room);
    expect(room.left).toBe(false);
  });

  it('an answer seating the client in its room anew: the room it had is told it left, and the new one is its room', async () => {
    let seating = 0;
    const { client } = await clientOf(() => ++seating);
    const [first, second] = await Promise.all([client.join('room-1'), client.join('room-1')]);
    expect(first.left).toBe(true);
    expect(second.left).toBe(false);
    expect(client.room).toBe(second);
    expect(second.membership).toBe(2);
  });
});
