import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { ManualClock } from 'vehikill-net/server';
import { RtcLink, type RtcPeerConnectionConstructor } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/** Just enough of an RTCPeerConnection for a link that waits for an offer: it keeps the callbacks. */
class FakePeerConnection {
  static last: FakePeerConnection | undefined;
  onicecandidate: ((event: { candidate: unknown }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  connectionState = 'new';
  constructor() {
    FakePeerConnection.last = this;
  }
  close(): void {}
}

describe('RtcLink signaling', () => {
  it('survives a signaling path that throws as a local candidate is sent (a full session outbox)', () => {
    const sent: unknown[] = [];
    let refusing = true;
    const link = new RtcLink({
      RTCPeerConnection: FakePeerConnection as unknown as RtcPeerConnectionConstructor,
      role: 'answerer',
      clock: new ManualClock(),
      signaling: {
        send: (signal) => {
          if (refusing) throw new ProtocolError(ErrorCode.OUTBOX_OVERFLOW, 'too many messages waiting');
          sent.push(signal);
        },
        onSignal: () => () => {},
      },
    });
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' };
    const gathered = (c: unknown) => FakePeerConnection.last?.onicecandidate?.({ candidate: c });
    expect(() => gathered(candidate)).not.toThrow();
    refusing = false;
    gathered(candidate);
    expect(sent).toEqual([{ candidate }]);
    link.close();
  });
});
