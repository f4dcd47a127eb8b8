import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind, ProtocolError, type RoomInfo } from '../../../src/protocol/index.js';
import { settle } from './fakes/fake-peer-connection.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';

/**
 * Answers a client cannot read (a server of another version; a room whose listing breaks the protocol's
 * limits): never a raw validation error, never a request left pending, never a seat held for a room the
 * app does not know of, and one bad room never hides the rest of a listing.
 */

const good: RoomInfo = joinedRoom('room-good', [SELF]).room;
const unreadable = { ...good, roomId: 'room-bad', metadata: { title: 'x'.repeat(200) } } as RoomInfo;

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

async function clientOf(answer: (message: { kind: number; body: { rid?: number } }) => unknown) {
  const clock = new ManualClock();
  const server = new FakeServer();
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) {
      server.welcome(SELF, clock);
      return;
    }
    const rid = (message.body as { rid?: number }).rid;
    if (rid === undefined) return;
    const result = answer(message as { kind: number; body: { rid?: number } });
    if (result !== undefined) {
      server.send(Kind.Response, { rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock);
  const errors: ProtocolError[] = [];
  client.on('error', (error) => errors.push(error));
  await client.connect();
  return { server, client, errors };
}

/** The rejection of `request` once the client has read everything sent so far; fails if it is pending. */
async function rejection(request: Promise<unknown>): Promise<unknown> {
  let outcome: unknown = 'still pending';
  request.then(
    () => {
      outcome = 'resolved';
    },
    (error: unknown) => {
      outcome = error;
    },
  );
  await settle();
  return outcome;
}

describe('a listing with a room the client cannot read', () => {
  it('lists the others, and says what it left out', async () => {
    const { client, errors } = await clientOf((message) =>
      message.kind === Kind.ListRooms ? { rooms: [good, unreadable] } : undefined,
    );
    const rooms = await client.listRooms();
    expect(rooms.map((room) => room.roomId)).toEqual(['room-good']);
    expect(errors.map((error) => error.code)).toEqual([ErrorCode.INVALID_MESSAGE]);
    expect(errors[0]?.message).toMatch(/left out 1 room .*rooms\.1\.metadata\.title/);
  });

  it('a watch keeps following the listing through one', async () => {
    const { server, client } = await clientOf((message) =>
      message.kind === Kind.WatchRooms ? { rooms: [good] } : undefined,
    );
    const watch = await client.watchRooms();
    server.send(Kind.RoomList, { rooms: [unreadable, { ...good, clients: 2 }] });
    await settle();
    expect(watch.rooms.map((room) => `${room.roomId}:${room.clients}`)).toEqual(['room-good:2']);
    expect(watch.ended).toBe(false);
  });

  it('an answer that is no listing at all is an INVALID_MESSAGE ProtocolError', async () => {
    const { client } = await clientOf((message) =>
      message.kind === Kind.ListRooms ? { rooms: 'none' } : undefined,
    );
    const error = await rejection(client.listRooms());
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
  });
});

describe('a join whose answer the client cannot read', () => {
  it('rejects with a ProtocolError, not a validation error, and leaves the room it was seated in', async () => {
    const { server, client } = await clientOf((message) =>
      message.kind === Kind.JoinRoom ? { ...joinedRoom('room-bad', [SELF]), room: unreadable } : undefined,
    );
    const error = await rejection(client.join('room-bad'));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    expect((error as ProtocolError).message).toMatch(/room\.metadata\.title.*left the room/);
    expect(client.room).toBeUndefined();
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
  });

  it('fails at once when the answer cannot even be decoded, and leaves that room too', async () => {
    const { server, client, errors } = await clientOf((message) =>
      message.kind === Kind.JoinRoom ? { ...joinedRoom('room-1', [SELF]), state: nested(20) } : undefined,
    );
    const error = await rejection(client.join('room-1'));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    expect((error as ProtocolError).message).toMatch(
      /cannot be read .*nested deeper than 17 levels.*left the room/,
    );
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.INVALID_MESSAGE]);
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
  });

  it('a listing request whose answer cannot be decoded fails at once, and leaves nothing', async () => {
    const { server, client } = await clientOf((message) =>
      message.kind === Kind.ListRooms ? { rooms: [], pad: nested(20) } : undefined,
    );
    const error = await rejection(client.listRooms());
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(0);
  });
});
