import type { LeaveReason } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy } from '../support/target-behind-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

/**
 * Alice's room with Bob in it, on a server whose outbox holds 8 messages; Bob connects through a proxy
 * that can stop passing on what the server sends him (nothing he is sent is acked, so his outbox
 * overflows) and then drop his connection (he resumes, with a resync).
 */
async function bobInAlicesRoom() {
  t = await startServer({ test: TestRoom }, { outboxMessages: 8 });
  const behindProxy = await roomWithTargetBehindProxy(t);
  proxy = behindProxy.proxy;
  const { alice, bob, aliceRoom, bobRoom } = behindProxy;
  await eventually(() => aliceRoom.members.length === 2, 'alice sees bob');
  const left: Array<{ reason: LeaveReason; message: string }> = [];
  bobRoom.on('leave', (leave) => left.push(leave));
  let resyncs = 0;
  bob.on('reconnect', ({ resync }) => {
    if (resync) resyncs++;
  });
  // Frames the server wrote so far (into Bob's stalled socket too), of a kind: tallied once a second.
  const metrics = t.server.metrics as CountingMetrics;
  const written = (kind: string) => metrics.total('messages_out_total', { kind });
  const afterWritten = async (kind: string, count: number, send: () => void) => {
    const before = written(kind);
    send();
    await eventually(() => written(kind) >= before + count, `the server wrote ${count} ${kind}`);
  };
  const kickBob = async () => {
    aliceRoom.send('kick', bob.playerId);
    await eventually(() => aliceRoom.members.length === 1, 'bob kicked');
  };
  return { alice, bob, aliceRoom, bobRoom, left, kickBob, afterWritten, resyncs: () => resyncs };
}

describe('a resync after the player was put out of the room while away', () => {
  it('with its RoomLeft lost in the overflow: the client ends up out of the room, with its leave event', async () => {
    const { bob, bobRoom, left, kickBob, afterWritten, resyncs } = await bobInAlicesRoom();
    proxy.stallDownstream();
    await kickBob();
    // Ten answers behind the RoomLeft, in an outbox of 8: the RoomLeft is dropped from it.
    let listings: Array<Promise<unknown>> = [];
    await afterWritten('response', 10, () => {
      listings = Array.from({ length: 10 }, () => bob.listRooms());
    });
    proxy.dropAll();
    await Promise.all(listings);
    await eventually(() => resyncs() === 1, 'bob resumes with a resync');
    await eventually(() => left.length === 1, 'bob is out of the room');
    expect(left[0]?.reason).toBe('OUTBOX_OVERFLOW');
    expect(bobRoom.left).toBe(true);
    expect(bob.room).toBeUndefined();
  });

  it('with its RoomLeft replayed: left with the real reason, once', async () => {
    const { aliceRoom, bob, bobRoom, left, kickBob, afterWritten, resyncs } = await bobInAlicesRoom();
    proxy.stallDownstream();
    // The overflow comes before the kick: the RoomLeft is among the 8 kept. (Alice hears each chat too.)
    await afterWritten('server_room_message', 24, () => {
      for (let i = 0; i < 12; i++) aliceRoom.send('chat', { text: `m${i}` });
    });
    await kickBob();
    proxy.dropAll();
    await eventually(() => resyncs() === 1, 'bob resumes with a resync');
    await eventually(() => left.length === 1, 'bob is out of the room');
    // The check after the replay finds the room left already: no second leave.
    await bob.listRooms();
    expect(left.map(({ reason }) => reason)).toEqual(['KICKED']);
    expect(bobRoom.left).toBe(true);
  });

  it('still seated: the room stays, its state resent', async () => {
    const { aliceRoom, bob, bobRoom, left, afterWritten, resyncs } = await bobInAlicesRoom();
    const states: unknown[] = [];
    bobRoom.on('state', (state) => states.push(state));
    proxy.stallDownstream();
    await afterWritten('server_room_message', 24, () => {
      for (let i = 0; i < 12; i++) aliceRoom.send('chat', { text: `m${i}` });
    });
    proxy.dropAll();
    await eventually(() => resyncs() === 1, 'bob resumes with a resync');
    await eventually(() => states.length === 1, 'bob gets the room state');
    await bob.listRooms(); // the server has caught up: the check after the replay is done
    expect(left).toEqual([]);
    expect(bob.room).toBe(bobRoom);
  });
});
