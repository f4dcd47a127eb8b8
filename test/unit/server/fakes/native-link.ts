import { ManualClock } from '../../../../src/common/index.js';
import { type NativeRtc, NativeRtcLink } from '../../../../src/server/server-link/native-rtc-link.js';
import type { RtcSignal } from '../../../../src/transport/index.js';

/**
 * node-datachannel's PeerConnection as far as NativeRtcLink uses it, doing nothing: a test extends it with
 * what it watches or plays (callbacks kept, descriptions refused, channels open).
 */
export class QuietPeerConnection {
  onLocalDescription(_callback: (sdp: string, type: string) => void): void {}
  onLocalCandidate(_callback: (candidate: string, mid: string) => void): void {}
  onStateChange(): void {}
  onDataChannel(): void {}
  createDataChannel(): object {
    return { onMessage() {}, onOpen() {}, onClosed() {}, close() {}, isOpen: () => false };
  }
  setRemoteDescription(_sdp: string): void {}
  addRemoteCandidate(_candidate: string): void {}
  state(): string {
    return 'connecting';
  }
  close(): void {}
}

/** The native stack NativeRtcLink is given, with `PeerConnection` as its connection. */
export function nativeWith(PeerConnection: new () => QuietPeerConnection): NativeRtc {
  return { PeerConnection, IceUdpMuxListener: class {} } as unknown as NativeRtc;
}

/** A server-side link on `native`: the signals it sent, and `signal` to hand it one of the client's. */
export function signaledLink(native: NativeRtc, answered?: (accepted: boolean) => void) {
  const sent: RtcSignal[] = [];
  let listener: ((signal: RtcSignal) => void) | undefined;
  const link = new NativeRtcLink({
    native,
    name: 'player-1',
    clock: new ManualClock(),
    config: { iceServers: [] },
    ...(answered ? { answered } : {}),
    signaling: {
      send: (signal) => sent.push(signal),
      onSignal: (l) => {
        listener = l;
        return () => {
          listener = undefined;
        };
      },
    },
  });
  return { link, sent, signal: (s: RtcSignal) => listener?.(s) };
}
