import { describe, expect, it } from 'vitest';
import type { RtcSignal } from '../../../src/transport/index.js';
import { nativeWith, QuietPeerConnection, signaledLink } from './fakes/native-link.js';

/**
 * The server's direct link sends its own ICE candidates only once it has taken the client's answer: before
 * then, a client check could bring the server's ICE up, and the DTLS handshake that followed had no
 * fingerprint to check (see NativeRtcLink). Its offer leaves the DTLS client role to the client.
 */
function nativeWithCallbacks() {
  const stack = {
    localDescription: undefined as ((sdp: string, type: string) => void) | undefined,
    localCandidate: undefined as ((candidate: string, mid: string) => void) | undefined,
    refuseAnswer: false,
  };
  class Playing extends QuietPeerConnection {
    override onLocalDescription(callback: (sdp: string, type: string) => void): void {
      stack.localDescription = callback;
    }
    override onLocalCandidate(callback: (candidate: string, mid: string) => void): void {
      stack.localCandidate = callback;
    }
    override setRemoteDescription(): void {
      if (stack.refuseAnswer) throw new Error('libdatachannel: refused');
    }
  }
  return { native: nativeWith(Playing), stack };
}

const OFFER = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:actpass\r\n';
const ANSWER = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:active\r\n';
const candidate = (port: number) => `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host`;
const candidatesIn = (sent: RtcSignal[]) =>
  sent.flatMap((signal) => ('candidate' in signal ? [signal.candidate.candidate] : []));

describe("the server's direct link and its own candidates", () => {
  it('sends its offer at once, leaving the DTLS client role to the client', () => {
    const { native, stack } = nativeWithCallbacks();
    const { link, sent } = signaledLink(native);
    stack.localDescription?.(OFFER, 'offer');
    expect(sent).toHaveLength(1);
    const sdp = (sent[0] as { description: { sdp: string } }).description.sdp;
    expect(sdp).toContain('a=setup:passive');
    expect(sdp).not.toContain('a=setup:actpass');
    link.close();
  });

  it('holds its candidates until the answer is taken, then sends them in order, and later ones at once', () => {
    const { native, stack } = nativeWithCallbacks();
    const { link, sent, signal } = signaledLink(native);
    stack.localDescription?.(OFFER, 'offer');
    stack.localCandidate?.(candidate(50_001), '0');
    stack.localCandidate?.(candidate(50_002), '0');
    expect(candidatesIn(sent)).toEqual([]);
    signal({ description: { type: 'answer', sdp: ANSWER } });
    expect(candidatesIn(sent)).toEqual([candidate(50_001), candidate(50_002)]);
    stack.localCandidate?.(candidate(50_003), '0');
    expect(candidatesIn(sent)).toEqual([candidate(50_001), candidate(50_002), candidate(50_003)]);
    link.close();
  });

  it('tells its owner of one answer only: a good answer after a refused one is ignored', () => {
    const { native, stack } = nativeWithCallbacks();
    const told: boolean[] = [];
    const { link, sent, signal } = signaledLink(native, (accepted) => told.push(accepted));
    stack.localDescription?.(OFFER, 'offer');
    stack.localCandidate?.(candidate(50_001), '0');
    signal({ description: { type: 'offer', sdp: OFFER } });
    signal({ description: { type: 'answer', sdp: ANSWER } });
    signal({ description: { type: 'answer', sdp: ANSWER } });
    expect(told).toEqual([false]);
    expect(candidatesIn(sent)).toEqual([]);
    link.close();
  });

  it('sends none for an answer the stack refused', () => {
    const { native, stack } = nativeWithCallbacks();
    const { link, sent, signal } = signaledLink(native);
    stack.refuseAnswer = true;
    stack.localDescription?.(OFFER, 'offer');
    stack.localCandidate?.(candidate(50_001), '0');
    signal({ description: { type: 'answer', sdp: ANSWER } });
    expect(candidatesIn(sent)).toEqual([]);
    link.close();
  });
});
