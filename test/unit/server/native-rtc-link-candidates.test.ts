import { describe, expect, it } from 'vitest';
import { nativeWith, QuietPeerConnection, signaledLink } from './fakes/native-link.js';

/** A native connection that records what the link hands its stack from the client's signals. */
function recordingNative() {
  const seen = { candidates: [] as string[], answers: [] as string[] };
  class Recording extends QuietPeerConnection {
    override setRemoteDescription(sdp: string): void {
      seen.answers.push(sdp);
    }
    override addRemoteCandidate(candidate: string): void {
      seen.candidates.push(candidate);
    }
  }
  return { native: nativeWith(Recording), seen };
}

const ANSWER =
  'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
const hostCandidate = (i: number) =>
  `candidate:${i} 1 udp 2122260223 10.0.${i >> 8}.${i & 255} ${50_000 + (i % 10_000)} typ host`;

describe("NativeRtcLink bounds the client's candidates", () => {
  it('hands the stack a bounded number of candidates per attempt, however many the client sends', () => {
    const { native, seen } = recordingNative();
    const { link, signal } = signaledLink(native);
    // Some before the answer, the rest after: each one the stack took grew its description for good.
    for (let i = 0; i < 100; i++) signal({ candidate: { candidate: hostCandidate(i), sdpMid: '0' } });
    signal({ description: { type: 'answer', sdp: ANSWER } });
    for (let i = 100; i < 5_000; i++) signal({ candidate: { candidate: hostCandidate(i), sdpMid: '0' } });
    expect(seen.candidates.length).toBeGreaterThan(0);
    expect(seen.candidates.length).toBeLessThanOrEqual(64);
    link.close();
  });

  it('never hands the stack a candidate whose address is a name (the stack starts a thread to resolve each)', () => {
    const { native, seen } = recordingNative();
    const { link, signal } = signaledLink(native);
    const named = (i: number) => `candidate:${i} 1 udp 2122260223 host-${i}.attacker.example 9 typ host`;
    signal({ candidate: { candidate: named(0), sdpMid: '0' } });
    signal({
      description: {
        type: 'answer',
        sdp: `${ANSWER}a=candidate:${named(1).slice('candidate:'.length)}\r\na=${hostCandidate(2)}\r\n`,
      },
    });
    signal({ candidate: { candidate: named(3), sdpMid: '0' } });
    signal({ candidate: { candidate: `a=${named(4)}`, sdpMid: '0' } });
    signal({ candidate: { candidate: hostCandidate(5), sdpMid: '0' } });
    signal({
      candidate: { candidate: 'candidate:6 1 udp 2122260223 2001:db8::1 9 typ host', sdpMid: '0' },
    });
    expect(seen.candidates).toEqual([
      hostCandidate(5),
      'candidate:6 1 udp 2122260223 2001:db8::1 9 typ host',
    ]);
    expect(seen.answers).toHaveLength(1);
    expect(seen.answers[0]).not.toContain('attacker.example');
    expect(seen.answers[0]).toContain(hostCandidate(2));
    link.close();
  });
});
