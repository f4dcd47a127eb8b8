import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, type MeshOptions, type RejectReason } from 'vehikill-net/client';
import { MAX_PEER_DATA_BYTES } from 'vehikill-net/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const rtc: MeshOptions['rtc'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom });
});
afterAll(() => t.close());

describe('the size of a message on a peer link', () => {
  it('is at most 16 KiB on the direct path too: one byte more is refused at the call, as on the relay', async () => {
    const [a, b] = [t.client(), t.client()];
    await Promise.all([a.connect(), b.connect()]);
    const roomA = await a.create('test');
    const roomB = await b.join(roomA.roomId);
    const meshA = roomA.mesh({ rtc, directTimeoutMs: 10_000, retryDirectMs: 1_000 });
    const meshB = roomB.mesh({ rtc, directTimeoutMs: 10_000, retryDirectMs: 1_000 });
    const heard: number[] = [];
    const rejected: RejectReason[] = [];
    meshB.on('message', ({ channel, bytes }) => {
      if (channel !== Channel.dispatch) heard.push(bytes.length);
    });
    meshB.on('rejected', ({ reason }) => rejected.push(reason));
    const bId = b.playerId as string;
    await eventually(() => meshA.link(bId)?.state === 'direct', 'a direct link', 20_000);

    const oneTooMany = new Uint8Array(MAX_PEER_DATA_BYTES + 1);
    for (const channel of [Channel.phys, Channel.event]) {
      expect(meshA.send(bId, channel, oneTooMany), `send on ${channel}`).toBe(false);
      expect(meshA.link(bId)?.send(channel, oneTooMany), `link.send on ${channel}`).toBe(false);
      expect(meshA.broadcast(channel, oneTooMany), `broadcast on ${channel}`).toBe(0);
    }
    expect(meshA.send(bId, Channel.event, new Uint8Array(MAX_PEER_DATA_BYTES))).toBe(true);
    await eventually(() => heard.includes(MAX_PEER_DATA_BYTES), 'the largest message', 10_000);
    await sleep(200);
    expect(heard).toEqual([MAX_PEER_DATA_BYTES]);
    expect(rejected).toEqual([]);
    a.close();
    b.close();
  }, 40_000);
});
