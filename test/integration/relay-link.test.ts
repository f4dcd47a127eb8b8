import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { Channel } from 'vehikill-net/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkContract } from '../support/link-contract.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy } from '../support/target-behind-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  // Peer traffic in these tests far exceeds the default per-connection message rate meant for control.
  t = await startServer({ test: TestRoom }, { rateBurst: 100_000, ratePerSecond: 100_000 });
});
afterAll(async () => {
  await t.close();
});

async function twoInARoom(): Promise<{
  alice: Client;
  bob: Client;
  aliceRoom: RoomConnection;
  bobRoom: RoomConnection;
}> {
  const alice = t.client();
  const bob = t.client();
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  await eventually(() => aliceRoom.members.length === 2, 'alice sees bob');
  return { alice, bob, aliceRoom, bobRoom };
}

linkContract('relay through a real server', async () => {
  const { alice, bob, aliceRoom, bobRoom } = await twoInARoom();
  return {
    a: aliceRoom.relayLink(bob.playerId!),
    b: bobRoom.relayLink(alice.playerId!),
    wait: sleep,
    async dispose() {
      alice.close();
      bob.close();
    },
  };
});

describe('signaling and relay through the server', () => {
  it('relays signals only within the room, stamping the sender', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await twoInARoom();
    const signals: Array<{ from: string; signal: unknown }> = [];
    bobRoom.on('signal', (event) => signals.push(event));
    aliceRoom.signal(bob.playerId!, { type: 'offer', sdp: 'v=0' });
    await eventually(() => signals.length === 1, 'signal delivered');
    expect(signals[0]).toEqual({ from: alice.playerId, signal: { type: 'offer', sdp: 'v=0' } });

    const outsider = t.client();
    await outsider.connect();
    const otherRoom = await outsider.create('test');
    const errors: string[] = [];
    outsider.on('error', (error) => errors.push(error.code));
    otherRoom.signal(bob.playerId!, { type: 'offer', sdp: 'v=0' });
    await eventually(() => errors.length === 1, 'refusal');
    expect(errors).toEqual([ErrorCode.NOT_IN_ROOM]);
    await sleep(50);
    expect(signals).toHaveLength(1);
    outsider.close();
    alice.close();
    bob.close();
  });

  it('relays phys newest-only at no more than 20 Hz, always ending on the newest sample', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await twoInARoom();
    const sender = aliceRoom.relayLink(bob.playerId!);
    const receiver = bobRoom.relayLink(alice.playerId!);
    const got: number[] = [];
    receiver.onMessage((channel, bytes) => {
      if (channel === Channel.phys) got.push(bytes[0]!);
    });
    const started = Date.now();
    for (let n = 0; n < 100; n++) {
      sender.send(Channel.phys, Uint8Array.of(n));
      await sleep(2);
    }
    // The newest sample may wait at both rate caps (the client's and the relay's): waited for, not slept on.
    await eventually(() => got.at(-1) === 99, 'the newest sample', 5_000);
    const elapsed = Date.now() - started;
    expect(got.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    expect(got).toEqual([...got].sort((a, b) => a - b));
    alice.close();
    bob.close();
  });

  it('a peer silent for longer than the keepalive allows (its page stalled) keeps its relay link', async () => {
    const { proxy, alice, bob, aliceRoom, bobRoom } = await roomWithTargetBehindProxy(t);
    await eventually(() => aliceRoom.members.length === 2, 'both in the room');
    const toBob = aliceRoom.relayLink(bob.playerId!);
    const atBob: number[] = [];
    bobRoom.relayLink(alice.playerId!).onMessage((channel, bytes) => {
      if (channel === Channel.dispatch) atBob.push(bytes[0]!);
    });
    proxy.freeze(); // bob hears nothing and says nothing for 6 s
    await sleep(6_000);
    expect(toBob.state).toBe('relayed');
    proxy.thaw();
    toBob.send(Channel.dispatch, Uint8Array.of(42));
    await eventually(() => atBob.includes(42), 'the same link carries on', 15_000);
    alice.close();
    bob.close();
    await proxy.close();
  }, 40_000);

  it('closes relay links when the peer leaves the room', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await twoInARoom();
    const link = aliceRoom.relayLink(bob.playerId!);
    await bobRoom.leave();
    await eventually(() => link.state === 'closed', 'link closed on leave');
    expect(link.send(Channel.dispatch, Uint8Array.of(1))).toBe(false);
    alice.close();
    bob.close();
  });
});
