import type { Disposer } from '../common/index.js';

/**
 * A session description as signaling carries it: the shape of WebRTC's `RTCSessionDescriptionInit`, under
 * the package's own name so that the server's declarations, which name signals, need no `DOM` lib. The two
 * are the same type structurally: either can be passed where the other is expected.
 */
export interface SignaledDescription {
  type: 'answer' | 'offer' | 'pranswer' | 'rollback';
  sdp?: string;
}

/** An ICE candidate as signaling carries it: the shape of WebRTC's `RTCIceCandidateInit` (see above). */
export interface SignaledCandidate {
  candidate?: string;
  sdpMLineIndex?: number | null;
  sdpMid?: string | null;
  usernameFragment?: string | null;
}

/** What travels over the signaling path (the server relays it between members of one room). */
export type RtcSignal = { description: SignaledDescription } | { candidate: SignaledCandidate };

export interface RtcSignaling {
  send(signal: RtcSignal): void;
  onSignal(listener: (signal: RtcSignal) => void): Disposer;
}

/**
 * Remote candidates held until the description they belong to arrives, by the browser's links and the
 * server's direct links. A peer's stack sends a few (one or so per interface and ICE server); past this, a
 * peer sending candidate after candidate would grow the list for the whole attempt: the rest are dropped
 * (counted in the link's `droppedFrames`).
 */
export const MAX_EARLY_CANDIDATES = 64;
