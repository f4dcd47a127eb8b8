import { describe, expect, it } from 'vitest';
import { PeerLink, type PeerSignal } from '../../../src/client/mesh/peer-link.js';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode, ProtocolError } from '../../../src/protocol/index.js';
import { createSimulatedLinkPair } from '../../../src/transport/index.js';
import { FakePeerConnection } from './fakes/fake-peer-connection.js';

const offer = (n: number): PeerSignal => ({
  n,
  o: true,
  signal: { description: { type: 'offer', sdp: `v=0 ${n}` } },
});

/**
 * A link that makes no direct path now (the room past its mesh size) declines the peer's offers. The
 * decline goes through `room.signal`, which throws OUTBOX_OVERFLOW while the session's outbox is full:
 * thrown out of the room's signal handling, it was uncaught. It is lost instead, as a datagram would be:
 * the peer's attempt times out, and its next offer is declined once the outbox has room.
 */
describe('PeerLink: a decline refused by a full outbox', () => {
  it('throws nothing, and the next offer is declined', () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const [relay] = createSimulatedLinkPair({ clock });
    let full = true;
    const sent: PeerSignal[] = [];
    const link = new PeerLink('peer', relay, {
      clock,
      rtc: { RTCPeerConnection: FakePeerConnection.ctor },
      initiator: false,
      directAllowed: false,
      sendSignal: (signal) => {
        if (full) throw new ProtocolError(ErrorCode.OUTBOX_OVERFLOW, 'too many messages waiting');
        sent.push(signal);
      },
    });
    expect(() => link.receiveSignal(offer(1))).not.toThrow();
    expect(sent).toEqual([]);
    full = false;
    clock.advance(5_000);
    link.receiveSignal(offer(2));
    expect(sent).toEqual([{ n: 2, declined: true }]);
    expect(FakePeerConnection.made).toHaveLength(0);
    link.close();
  });
});
