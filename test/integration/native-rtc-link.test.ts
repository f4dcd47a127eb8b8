import { createSocket } from 'node:dgram';
import nodeDataChannel from 'node-datachannel';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { describe, expect, it } from 'vitest';
import { realClock } from '../../src/common/index.js';
import { NativeRtcLink } from '../../src/server/server-link/native-rtc-link.js';
import { Channel, RtcLink } from '../../src/transport/index.js';
import { connectedPair } from '../support/connected-pair.js';
import { linkContract } from '../support/link-contract.js';
import { memorySignalingPair } from '../support/memory-signaling.js';
import { sleep } from '../support/server.js';

/** A UDP port nobody holds right now (for the ICE UDP mux). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const udpPort = await freeUdpPort();

function serverLinkPair(answered?: (accepted: boolean) => void) {
  const [serverSide, clientSide] = memorySignalingPair();
  const server = new NativeRtcLink({
    native: nodeDataChannel,
    name: 'test-player',
    signaling: serverSide,
    ...(answered ? { answered } : {}),
    config: {
      iceServers: [],
      bindAddress: '127.0.0.1',
      enableIceUdpMux: true,
      portRangeBegin: udpPort,
      portRangeEnd: udpPort,
    },
    clock: realClock,
  });
  const client = new RtcLink({
    RTCPeerConnection,
    extraConfiguration: { bindAddress: '127.0.0.1' },
    signaling: clientSide,
    role: 'answerer',
  });
  return {
    a: server,
    b: client,
    wait: sleep,
    async dispose() {
      server.close();
      client.close();
      await sleep(20);
    },
  };
}

linkContract('server link (node-datachannel native, UDP mux) to a client RtcLink', () =>
  connectedPair(serverLinkPair),
);

describe('server link over the ICE UDP mux', () => {
  it('several players share the one UDP port', async () => {
    const pairs = await Promise.all(Array.from({ length: 4 }, () => connectedPair(serverLinkPair)));
    const ports = pairs.map((p) => p.a.selectedPair()?.local.port);
    expect(new Set(ports)).toEqual(new Set([udpPort]));
    const got: number[] = [];
    for (const pair of pairs) pair.b.onMessage((_channel, bytes) => got.push(bytes[0]!));
    for (const [i, pair] of pairs.entries()) pair.a.send(Channel.dispatch, Uint8Array.of(i));
    for (let waited = 0; got.length < 4; waited += 10) {
      if (waited > 5_000) throw new Error('messages missing');
      await sleep(10);
    }
    expect(got.sort()).toEqual([0, 1, 2, 3]);
    await Promise.all(pairs.map((p) => p.dispose()));
  }, 30_000);
});

describe("the server link reports the client's answer", () => {
  it('refuses a description that is not an answer the stack takes; applies a real one', async () => {
    // An offer, and an answer the stack cannot parse, each to a link of its own: a link hears one
    // description per attempt, so the one after a refusal is ignored (its owner ends the attempt).
    for (const description of [
      { type: 'offer', sdp: 'x' },
      { type: 'answer', sdp: 'x' },
    ] as const) {
      const refused: boolean[] = [];
      const [serverSide, clientSide] = memorySignalingPair();
      const server = new NativeRtcLink({
        native: nodeDataChannel,
        name: 'test-player',
        signaling: serverSide,
        answered: (accepted) => refused.push(accepted),
        config: { iceServers: [], bindAddress: '127.0.0.1' },
        clock: realClock,
      });
      clientSide.send({ description });
      clientSide.send({ description: { type: 'answer', sdp: 'x' } });
      await sleep(20);
      expect(refused).toEqual([false]);
      server.close();
    }
    // One report per pair made. A pair whose handshake failed is replaced (see connectedPair), and its
    // answer may come to a link already closed: only the pair that came up is sure to have applied it.
    const reports = new Map<object, boolean[]>();
    const pair = await connectedPair(() => {
      const applied: boolean[] = [];
      const made = serverLinkPair((accepted) => applied.push(accepted));
      reports.set(made, applied);
      return made;
    });
    expect(reports.get(pair)).toEqual([true]);
    await pair.dispose();
  }, 30_000);
});
