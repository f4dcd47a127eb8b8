import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { ManualClock } from 'vehikill-net/server';
import { RtcLink, type RtcPeerConnectionConstructor, type RtcSignal } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/**
 * Just enough of an RTCPeerConnection for a link that waits for an offer: it keeps the callbacks, takes a
 * remote description and answers it, and counts the remote candidates it is given.
 */
class FakePeerConnection {
  static last: FakePeerConnection | undefined;
  onicecandidate: ((event: { candidate: unknown }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ondatachannel: unknown = null;
  connectionState = 'new';
  remoteDescription: unknown = null;
  localDescription: unknown = null;
  candidatesAdded = 0;
  constructor() {
    FakePeerConnection.last = this;
  }
  async setRemoteDescription(description: unknown): Promise<void> {
    this.remoteDescription = description;
  }
  async addIceCandidate(candidate?: { candidate?: string }): Promise<void> {
    // One the stack cannot parse (another browser's extension, a malformed line) is refused.
    if (candidate?.candidate === 'bad') throw new Error('OperationError: cannot parse the candidate');
    this.candidatesAdded++;
  }
  createDataChannel(): object {
    return { binaryType: 'arraybuffer', readyState: 'connecting', close() {} };
  }
  async createAnswer(): Promise<object> {
    return { type: 'answer', sdp: 'v=0' };
  }
  async setLocalDescription(description: unknown): Promise<void> {
    this.localDescription = description;
  }
  close(): void {}
}

/** An answering link whose peer's signals the test delivers. */
function answerer() {
  let deliver: ((signal: RtcSignal) => void) | undefined;
  const sent: RtcSignal[] = [];
  const link = new RtcLink({
    RTCPeerConnection: FakePeerConnection as unknown as RtcPeerConnectionConstructor,
    role: 'answerer',
    clock: new ManualClock(),
    signaling: {
      send: (signal) => sent.push(signal),
      onSignal: (listener) => {
        deliver = listener;
        return () => {};
      },
    },
  });
  return { link, sent, signal: (signal: RtcSignal) => deliver?.(signal) };
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

  it("holds at most 64 of a peer's candidates before its offer, and counts the rest as dropped", async () => {
    const { link, signal } = answerer();
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' };
    for (let i = 0; i < 1_000; i++) signal({ candidate });
    await Promise.resolve();
    expect(link.stats().droppedFrames).toBe(1_000 - 64);
    signal({ description: { type: 'offer', sdp: 'v=0' } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(FakePeerConnection.last?.candidatesAdded).toBe(64);
    link.close();
  });

  it('sends no candidate the stack reports after the link closed', () => {
    const { link, sent } = answerer();
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' };
    FakePeerConnection.last?.onicecandidate?.({ candidate });
    expect(sent).toEqual([{ candidate }]);
    link.close();
    // Gathered before the close, delivered after it from the stack's queue.
    FakePeerConnection.last?.onicecandidate?.({ candidate });
    expect(sent).toEqual([{ candidate }]);
  });

  it('tries every early candidate when the stack refuses one of them, and answers the offer', async () => {
    const { link, sent, signal } = answerer();
    const good = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' };
    signal({ candidate: good });
    signal({ candidate: { candidate: 'bad', sdpMid: '0' } });
    signal({ candidate: good });
    signal({ candidate: good });
    signal({ description: { type: 'offer', sdp: 'v=0' } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The refusal threw out of the loop: the two after it were lost, and the offer was never answered.
    expect(FakePeerConnection.last?.candidatesAdded).toBe(3);
    expect(sent).toEqual([{ description: { type: 'answer', sdp: 'v=0' } }]);
    link.close();
  });
});
