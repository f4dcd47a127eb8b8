import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, type MeshOptions } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolated } from '../support/isolated.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
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

describe.skipIf(!isolated)('UDP blocked mid-session', () => {
  it('links fall back to the relay within seconds, nothing reliable is lost, and they go direct again', async () => {
    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.create('test');
    const bobRoom = await bob.join(aliceRoom.roomId);
    await eventually(() => aliceRoom.members.length === 2, 'both in the room');
    const [aliceMesh, bobMesh] = [aliceRoom.mesh(meshOptions), bobRoom.mesh(meshOptions)];
    const toBob = () => aliceMesh.link(bob.playerId!);
    await eventually(() => toBob()?.state === 'direct', 'direct at first', 15_000);

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
    alice.close();
    bob.close();
  }, 60_000);
});
