import { describe, expect, it } from 'vitest';
import { PeerLink, type PeerSignal } from '../../../src/client/mesh/peer-link.js';
import { ManualClock } from '../../../src/common/index.js';
import { createSimulatedLinkPair } from '../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';

/**
 * A hostile peer (the initiator) opens one attempt and then sends offer after offer for that same attempt,
 * 18 a second (within its own signal budget on the server, 20 a second). Each went on to the attempt's
 * connection, which answered every one (with an ICE restart in the offer, candidates too): the victim's
 * replies ran as fast as the peer's offers, past its own budget towards the peer once each brought more
 * than one signal, which the server counts as the victim's faults. Offers for an attempt already under
 * way are acted on from the same budget as offers that open one.
 */
describe('offers repeated for the attempt being answered', () => {
  it('are acted on a few at once and then one every 2 s; the rest are ignored and counted', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const [relay] = createSimulatedLinkPair({ clock });
    const sent: PeerSignal[] = [];
    const link = new PeerLink('hostile', relay, {
      clock,
      rtc: { RTCPeerConnection: FakePeerConnection.ctor },
      initiator: false,
      sendSignal: (signal) => sent.push(signal),
      directTimeoutMs: 60_000,
    });
    for (let i = 0; i < 108; i++) {
      link.receiveSignal({ n: 7, o: true, signal: { description: { type: 'offer', sdp: `v=0 ${i}` } } });
      await settle();
      clock.advance(1000 / 18);
    }
    const answers = sent.filter(
      (signal) =>
        'signal' in signal && 'description' in signal.signal && signal.signal.description.type === 'answer',
    );
    expect(answers.length).toBeLessThanOrEqual(8);
    expect(link.ignoredOffers).toBeGreaterThan(90);
    link.close();
  });
});
