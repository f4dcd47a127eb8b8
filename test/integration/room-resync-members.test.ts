import { Channel, type Client } from 'vehikill-net/client';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

/**
 * Alice's room with Bob and Dave in it, on a server whose outbox holds 8 messages; Bob connects through a
 * proxy the test can block (his socket stalls, his outbox overflows, his resume is a resync).
 */
async function threeInARoom() {
  t = await startServer({ test: TestRoom }, { outboxMessages: 8 });
  proxy = new TcpProxy(t.port);
  await proxy.listen();
  const alice = t.client();
  const bob = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
  const dave = t.client();
  await Promise.all([alice.connect(), bob.connect(), dave.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  const daveRoom = await dave.join(aliceRoom.roomId);
  await eventually(() => bobRoom.members.length === 3, 'bob sees dave');
  return { alice, bob, dave, aliceRoom, bobRoom, daveRoom };
}

describe('a resync after an outbox overflow while away', () => {
  it('brings the mesh in step with the room: a link to who joined, none to who left', async () => {
    const { bob, dave, aliceRoom, bobRoom, daveRoom } = await threeInARoom();
    const bobMesh = bobRoom.mesh({ rtc: false });
    const bobErrors: string[] = [];
    bob.on('error', (error) => bobErrors.push(error.code));
    const leaves: string[] = [];
    bobRoom.on('member-leave', ({ playerId }) => leaves.push(playerId));

    // Bob's socket stalls; meanwhile Dave leaves, Carol joins, and chat overflows Bob's outbox.
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    await daveRoom.leave();
    const carol: Client = t.client();
    await carol.connect();
    const carolRoom = await carol.join(aliceRoom.roomId);
    for (let i = 0; i < 20; i++) aliceRoom.send('chat', { text: `m${i}` });
    await sleep(100);
    const states: unknown[] = [];
    bobRoom.on('state', ({ state }) => states.push(state));
    proxy.unblock();
    await eventually(() => states.length === 1, 'bob resynced');

    expect(leaves).toEqual([dave.playerId]);
    expect(bobMesh.link(dave.playerId!)).toBeUndefined();
    expect(bobMesh.link(carol.playerId!)?.state).toBe('relayed');
    const carolMesh = carolRoom.mesh({ rtc: false });
    const heard: string[] = [];
    carolMesh.on('message', ({ from, channel }) => {
      if (channel === Channel.dispatch) heard.push(from);
    });
    expect(bobMesh.broadcast(Channel.dispatch, Uint8Array.of(9))).toBe(2);
    await eventually(() => heard.length === 1, 'carol hears bob over the mesh');
    expect(heard).toEqual([bob.playerId]);
    await sleep(200);
    // Nothing went to the departed player: the server never had to answer NOT_IN_ROOM.
    expect(bobErrors).toEqual([]);
  });
});

describe('a resync after a member left and came back while we were away', () => {
  it('tells its leave and join, and our mesh makes a fresh link that its new mesh hears', async () => {
    const { alice, bob, dave, aliceRoom, bobRoom, ...first } = await threeInARoom();
    let daveRoom = first.daveRoom;
    const bobMesh = bobRoom.mesh({ rtc: false });
    daveRoom.mesh({ rtc: false });
    await eventually(() => bobMesh.link(dave.playerId!) !== undefined, 'bob linked to dave');
    const oldLink = bobMesh.link(dave.playerId!);
    // Dave's first mesh hears one dispatch message of Bob's: the stream of Bob's link goes on from there.
    const heardBefore: number[] = [];
    daveRoom.mesh().on('message', ({ bytes }) => heardBefore.push(bytes[0]!));
    bobMesh.send(dave.playerId!, Channel.dispatch, Uint8Array.of(1));
    await eventually(() => heardBefore.length === 1, 'dave heard bob');
    const events: string[] = [];
    bobRoom.on('member-leave', ({ playerId }) => events.push(`leave ${playerId}`));
    bobRoom.on('member-join', ({ playerId }) => events.push(`join ${playerId}`));

    // Bob's socket stalls; meanwhile Dave leaves and comes back (same session, a new seating), and chat
    // overflows Bob's outbox, taking Dave's leave and join with it.
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    await daveRoom.leave();
    daveRoom = await dave.join(aliceRoom.roomId);
    const daveMesh = daveRoom.mesh({ rtc: false });
    const heard: number[] = [];
    daveMesh.on('message', ({ channel, bytes }) => {
      if (channel === Channel.dispatch) heard.push(bytes[0]!);
    });
    for (let i = 0; i < 20; i++) aliceRoom.send('chat', { text: `m${i}` });
    await sleep(100);
    const states: unknown[] = [];
    bobRoom.on('state', () => states.push(null));
    proxy.unblock();
    await eventually(() => states.length === 1, 'bob resynced');

    expect(events).toEqual([`leave ${dave.playerId}`, `join ${dave.playerId}`]);
    expect(oldLink?.state).toBe('closed');
    expect(bobMesh.link(dave.playerId!)).not.toBe(oldLink);
    // Dave's new mesh takes the stream of Bob's fresh link from its start.
    bobMesh.send(dave.playerId!, Channel.dispatch, Uint8Array.of(2));
    await eventually(() => heard.length === 1, "dave's new mesh hears bob", 3_000).catch(() => {});
    expect(heard).toEqual([2]);
    alice.close();
    bob.close();
    dave.close();
  }, 30_000);
});
