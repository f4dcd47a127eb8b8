import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import {
  type Body,
  type BodyKind,
  ErrorCode,
  encodeMessage,
  Kind,
  wrapReliable,
} from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const FIRST = 'aaaaaaaa01';
const SECOND = 'eeeeeeee05';
const OTHER = 'bbbbbbbb02';

/**
 * A client seated in room-1 with OTHER, on a server that sends what it sends sequenced (numbered from 1
 * for each session, as a real server does) and answers joins at once. `welcome` welcomes a new session.
 */
async function seated() {
  const clock = new ManualClock();
  const server = new FakeServer();
  let seq = 0;
  let playerId = FIRST;
  const sequenced = <K extends BodyKind>(kind: K, body: Body<K>) =>
    server.socket?.onmessage?.({ data: wrapReliable(++seq, encodeMessage(kind, body)) });
  const welcome = (id: string) => {
    playerId = id;
    seq = 0;
    server.welcome(id, clock);
  };
  let answerHello = true;
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello && answerHello) welcome(FIRST);
    else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom(message.body.roomId, [playerId, OTHER], { membership: 1 });
      sequenced(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock, { backoff: { baseMs: 0, maxMs: 0 } });
  await client.connect();
  const room = await client.join('room-1');
  sequenced(Kind.ServerRoomMessage, { roomId: 'room-1', t: 'hi', d: 1 });
  const told: string[] = [];
  client.on('session-expired', () => told.push('session-expired'));
  client.on('open', ({ playerId }) => told.push(`open ${playerId}`));
  room.on('leave', ({ reason }) => told.push(`leave ${reason}`));
  const stopAnsweringHellos = () => (answerHello = false);
  return { client, server, clock, room, told, welcome, stopAnsweringHellos };
}

describe('a fresh welcome while the client holds a session', () => {
  it('on the same socket: the old room is left, its requests fail, the new session reads its messages', async () => {
    const { client, server, room, told, welcome } = await seated();
    const listing = client.listRooms().catch((error: unknown) => error);
    welcome(SECOND);
    expect(told).toEqual([`leave ${ErrorCode.SESSION_EXPIRED}`, 'session-expired', `open ${SECOND}`]);
    expect(room.left).toBe(true);
    expect(client.room).toBeUndefined();
    expect(client.playerId).toBe(SECOND);
    expect(await listing).toMatchObject({ code: ErrorCode.SESSION_EXPIRED });
    // The new session's messages are numbered from 1 again: read, not taken for ones already read.
    const again = await client.join('room-1');
    expect(again.members.map((m) => m.playerId)).toEqual([SECOND, OTHER]);
    expect(server.receivedOf(Kind.JoinRoom)).toHaveLength(2);
    await client.close();
  });

  it('a join made from the old room-left handler goes once, to the new session', async () => {
    const { client, server, room, welcome } = await seated();
    let joined: Promise<unknown> | undefined;
    room.on('leave', () => {
      joined = client.join('room-2');
    });
    welcome(SECOND);
    expect(await joined).toMatchObject({ roomId: 'room-2' });
    expect(server.receivedOf(Kind.JoinRoom).map((join) => join.roomId)).toEqual(['room-1', 'room-2']);
    await client.close();
  });

  it('in answer to the resume: the old room is left, and what was sent to it is not replayed', async () => {
    const { client, server, clock, room, told, welcome, stopAnsweringHellos } = await seated();
    stopAnsweringHellos();
    server.socket?.close(1006, ''); // the connection drops
    await Promise.resolve();
    room.send('chat', 'while away');
    clock.advance(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(server.receivedOf(Kind.Hello).at(-1)?.resume).toBeDefined();
    server.received.length = 0;
    welcome(SECOND);
    expect(told).toEqual([`leave ${ErrorCode.SESSION_EXPIRED}`, 'session-expired', `open ${SECOND}`]);
    expect(client.room).toBeUndefined();
    expect(server.receivedOf(Kind.ClientRoomMessage)).toEqual([]);
    await client.close();
  });
});
