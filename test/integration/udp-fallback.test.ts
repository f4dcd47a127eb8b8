import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, type MeshOptions } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longestGap } from '../support/arrival-gaps.js';
import { isolated } from '../support/isolated.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { blockUdp, unblockUdp } from '../support/udp-blocker.js';
import { TestRoom } from './rooms-fixtures.js';

const meshOptions: MeshOptions = {
  rtc: {
    RTCPeerConnection,
    extraConfiguration: { bindAddress: '127.0.0.1' },
  },
  directTimeoutMs: 8_000,
  retryDirectMs: 1_000,
};

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom }, { rateBurst: 10_000, ratePerSecond: 10_000 });
});
afterAll(async () => {
  unblockUdp();
  await t.close();
});

/** Alice and Bob in one room, their meshes made with `options`, once both links are direct. */
async function directPair(options: MeshOptions = meshOptions) {
  const [alice, bob] = [t.client(), t.client()];
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  await eventually(() => aliceRoom.members.length === 2, 'both in the room');
  const [aliceMesh, bobMesh] = [aliceRoom.mesh(options), bobRoom.mesh(options)];
  const toBob = () => aliceMesh.link(bob.playerId!)!;
  const toAlice = () => bobMesh.link(alice.playerId!)!;
  await eventually(
    () => toBob()?.state === 'direct' && toAlice()?.state === 'direct',
    'direct at first',
    15_000,
  );
  const close = () => {
    alice.close();
    bob.close();
  };
  return { bob, aliceMesh, bobMesh, toBob, close };
}

describe.skipIf(!isolated)('UDP blocked mid-session', () => {
  it('links fall back to the relay within seconds, nothing reliable is lost, and they go direct again', async () => {
    const { bob, aliceMesh, bobMesh, toBob, close } = await directPair();

    const received: number[] = [];
    bobMesh.on('message', ({ channel, bytes }) => {
      if (channel === Channel.dispatch) received.push(bytes[0]! | (bytes[1]! << 8));
    });
    let sent = 0;
    const pump = setInterval(() => {
      aliceMesh.send(bob.playerId!, Channel.dispatch, Uint8Array.of(sent & 0xff, sent >> 8));
      sent++;
    }, 20);

    blockUdp();
    const blockedAt = Date.now();
    await eventually(() => toBob()?.state === 'relayed', 'fell back to the relay', 10_000);
    const fallbackMs = Date.now() - blockedAt;
    await eventually(
      () => received.length > 0 && received.at(-1)! > sent - 20,
      'messages flow over the relay',
      5_000,
    );

    unblockUdp();
    await eventually(() => toBob()?.state === 'direct', 'direct again after UDP returns', 20_000);
    clearInterval(pump);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fallbackMs).toBeLessThan(6_000);
    // Everything sent on dispatch arrives exactly once and in order, including what the dying direct
    // path swallowed before its death was noticed.
    await eventually(() => received.length === sent, 'all dispatch messages', 5_000);
    expect(received).toEqual(Array.from({ length: sent }, (_, n) => n & 0xffff));
    close();
  }, 60_000);

  it('hands samples to the relay as the path goes quiet, and takes the same path back if UDP returns before it is given up', async () => {
    const { bob, aliceMesh, bobMesh, toBob, close } = await directPair();
    const path = toBob().direct;
    const arrivals: number[] = [];
    bobMesh.on('message', ({ channel }) => {
      if (channel === Channel.phys) arrivals.push(Date.now());
    });
    // Samples at 50 Hz, as a game sends its state.
    const pump = setInterval(() => aliceMesh.send(bob.playerId!, Channel.phys, Uint8Array.of(1)), 20);
    await sleep(500);

    blockUdp();
    const blockedAt = Date.now();
    await eventually(() => toBob().state === 'relayed', 'samples go over the relay', 10_000);
    const quietMs = Date.now() - blockedAt;
    // The path is not given up: it may only have lost a few frames.
    expect(toBob().direct).toBe(path);
    expect(path?.state).toBe('direct');
    await sleep(500);
    unblockUdp();
    await eventually(() => toBob().state === 'direct', 'direct again', 5_000);
    const backMs = Date.now() - blockedAt;
    // Heard again before its keepalive gave it up (4 s): the same path, no new handshake.
    expect(toBob().direct).toBe(path);
    clearInterval(pump);
    // Before, samples went into the dead path until its death was noticed: 4 to 5 s of nothing.
    const gapMs = longestGap(arrivals, blockedAt);
    console.log(
      `quiet after ${quietMs} ms, direct again ${backMs} ms after the block, longest gap ${gapMs} ms`,
    );
    expect(gapMs).toBeLessThan(3_000);
    close();
  }, 60_000);

  it('takes directQuietMs and directDeadMs: never quiet, and a path given up after 2 s of silence', async () => {
    const options: MeshOptions = {
      ...meshOptions,
      directQuietMs: Number.POSITIVE_INFINITY,
      directDeadMs: 2_000,
    };
    const { toBob, close } = await directPair(options);
    blockUdp();
    const blockedAt = Date.now();
    await eventually(() => toBob().state === 'relayed', 'the path given up', 10_000);
    const givenUpMs = Date.now() - blockedAt;
    unblockUdp();
    // Relayed only as the path closed (never quiet with it open), and sooner than the default 4 s.
    expect(toBob().direct?.state).not.toBe('direct');
    expect(givenUpMs).toBeLessThan(3_800);
    close();
  }, 60_000);
});
