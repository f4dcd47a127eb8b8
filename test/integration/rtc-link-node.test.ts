import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { describe, expect, it } from 'vitest';
import { Channel, RtcLink, type RtcPeerConnectionConstructor } from '../../src/transport/index.js';
import { connectedPair } from '../support/connected-pair.js';
import { linkContract } from '../support/link-contract.js';
import { memorySignalingPair } from '../support/memory-signaling.js';
import { sleep } from '../support/server.js';

/** node-datachannel on loopback needs an explicit bind address (TESTING.md). */
const loopback = { bindAddress: '127.0.0.1' };

/** `answerer`: the peer connection class of b's end (a test may wrap node-datachannel's). */
function rtcPair(answerer: RtcPeerConnectionConstructor = RTCPeerConnection) {
  const [signalA, signalB] = memorySignalingPair();
  const offerer = RTCPeerConnection;
  const a = new RtcLink({
    RTCPeerConnection: offerer,
    extraConfiguration: loopback,
    signaling: signalA,
    role: 'offerer',
  });
  const b = new RtcLink({
    RTCPeerConnection: answerer,
    extraConfiguration: loopback,
    signaling: signalB,
    role: 'answerer',
  });
  return {
    a,
    b,
    wait: sleep,
    async dispose() {
      a.close();
      b.close();
      await sleep(20);
    },
  };
}

linkContract('WebRTC data channels (node-datachannel)', () => connectedPair(rtcPair));

describe('RTC link in Node', () => {
  it('dispatch delivers 10,000 messages in order while phys shares the same association', async () => {
    const pair = await connectedPair(rtcPair);
    const dispatch: number[] = [];
    let phys = 0;
    pair.b.onMessage((channel, bytes) => {
      if (channel === Channel.dispatch) dispatch.push(bytes[0]! | (bytes[1]! << 8));
      else if (channel === Channel.phys) phys++;
    });
    for (let n = 0; n < 10_000; n++) {
      pair.a.send(Channel.dispatch, Uint8Array.of(n & 0xff, n >> 8));
      if (n % 10 === 0) pair.a.send(Channel.phys, new Uint8Array(32));
      if (n % 1_000 === 999) await sleep(1);
    }
    for (let waited = 0; dispatch.length < 10_000 && waited < 10_000; waited += 20) await sleep(20);
    expect(dispatch).toEqual(Array.from({ length: 10_000 }, (_, n) => n));
    expect(phys).toBeLessThanOrEqual(1_000);
    await pair.dispose();
  }, 30_000);

  it('measures the round trip with its keepalive', async () => {
    const pair = await connectedPair(rtcPair);
    await sleep(2_500);
    expect(pair.a.stats().rttMs).toBeGreaterThanOrEqual(0);
    expect(pair.a.stats().rttMs).toBeLessThan(500);
    await pair.dispose();
  });

  it('a peer that vanishes without a goodbye is detected within 5 s', async () => {
    // b's peer connection stays up but sends nothing more (a crashed tab, a dead network path).
    let bFrozen = false;
    const NodePeerConnection: RtcPeerConnectionConstructor = RTCPeerConnection;
    class FreezablePeerConnection extends NodePeerConnection {
      override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
        const channel = super.createDataChannel(label, init);
        const send = channel.send.bind(channel);
        channel.send = ((data: never) => {
          if (!bFrozen) send(data);
        }) as RTCDataChannel['send'];
        return channel;
      }
    }
    const { a, b } = await connectedPair(() => rtcPair(FreezablePeerConnection));
    let closedAt = Number.NaN;
    a.onState((state) => {
      if (state === 'closed') closedAt = Date.now();
    });
    const frozenAt = Date.now();
    bFrozen = true;
    const stateOf = (link: RtcLink) => link.state; // read fresh each time, not narrowed
    while (stateOf(a) !== 'closed' && Date.now() - frozenAt < 8_000) await sleep(50);
    expect(stateOf(a)).toBe('closed');
    expect(closedAt - frozenAt).toBeLessThanOrEqual(5_000);
    b.close();
  }, 40_000);
});
