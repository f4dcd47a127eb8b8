import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { describe, expect, it } from 'vitest';
import { PeerLink, type PeerSignal } from '../../src/client/mesh/peer-link.js';
import { realClock } from '../../src/common/index.js';
import { Channel, createSimulatedLinkPair } from '../../src/transport/index.js';
import { eventually, sleep } from '../support/server.js';

const rtc = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

/**
 * Two PeerLinks wired to each other: signals cross asynchronously (as through the server), and the
 * relay path is a lossless simulated link. `initiator` is the side that wins a collision.
 */
function linkedPair() {
  const [relayA, relayB] = createSimulatedLinkPair({ clock: realClock });
  let initiator: PeerLink | undefined;
  let polite: PeerLink | undefined;
  const deliver = (to: () => PeerLink | undefined) => (signal: PeerSignal) => {
    setImmediate(() => to()?.receiveSignal(structuredClone(signal)));
  };
  const common = { clock: realClock, rtc, directTimeoutMs: 25_000, retryDirectMs: 60_000 };
  initiator = new PeerLink('b', relayA, { ...common, initiator: true, sendSignal: deliver(() => polite) });
  polite = new PeerLink('a', relayB, { ...common, initiator: false, sendSignal: deliver(() => initiator) });
  return {
    initiator,
    polite,
    close() {
      initiator?.close();
      polite?.close();
    },
  };
}

async function exchangeOnEveryChannel(from: PeerLink, to: PeerLink): Promise<void> {
  const got = new Map<Channel, number>();
  const dispose = to.onMessage((channel, bytes) => got.set(channel, bytes[0]!));
  await eventually(() => {
    for (const channel of [Channel.phys, Channel.event, Channel.dispatch])
      from.send(channel, Uint8Array.of(7));
    return got.size === 3;
  }, 'a message on each channel');
  dispose();
}

describe('both sides offering at the same moment (glare)', () => {
  it('the polite side gives way, answers, and the link goes direct', async () => {
    const pair = linkedPair();
    // The initiator opened attempt 1 when it was built; the polite side opens attempt 1 too, before
    // either offer has crossed.
    pair.polite.retryDirect();
    await eventually(
      () => pair.initiator.state === 'direct' && pair.polite.state === 'direct',
      'direct on both sides',
      25_000,
    );
    // The polite side was offering attempt 1 when the initiator's offer for it arrived: a collision
    // (its own offer may or may not have gone out by then).
    expect(pair.polite.collisions).toBe(1);
    expect(pair.initiator.collisions).toBe(0);
    await exchangeOnEveryChannel(pair.initiator, pair.polite);
    await exchangeOnEveryChannel(pair.polite, pair.initiator);
    pair.close();
  }, 40_000);

  it('the higher attempt wins when the two sides are at different attempts', async () => {
    const pair = linkedPair();
    pair.polite.retryDirect();
    pair.polite.retryDirect(); // attempt 2 against the initiator's attempt 1
    await eventually(
      () => pair.initiator.state === 'direct' && pair.polite.state === 'direct',
      'direct on both sides',
      25_000,
    );
    expect(pair.polite.collisions).toBe(0);
    await exchangeOnEveryChannel(pair.initiator, pair.polite);
    pair.close();
  }, 40_000);

  it('a signal claiming to be an offer from the answering side is ignored', async () => {
    const pair = linkedPair();
    await eventually(() => pair.polite.state === 'direct', 'direct', 15_000);
    const before = pair.polite.collisions;
    // Attempt 1 is established; a second "offer" for it without the offerer flag makes no sense.
    pair.polite.receiveSignal({ n: 1, signal: { description: { type: 'offer', sdp: 'v=0' } } });
    await sleep(200);
    expect(pair.polite.collisions).toBe(before);
    expect(pair.polite.state).toBe('direct');
    pair.close();
  }, 40_000);
});
