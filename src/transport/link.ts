import type { Disposer } from '../common/index.js';
import type { Channel } from './channels.js';

/** `direct`: peer to peer (WebRTC); `relayed`: through the server; `closed`: for good. */
export type LinkState = 'connecting' | 'direct' | 'relayed' | 'closed';

export interface LinkStats {
  /** Newest round-trip estimate in ms (NaN until measured). */
  rttMs: number;
  /** Share of this side's `phys` messages the peer reports lost, 0..1 (NaN until known). */
  lossRate: number;
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

/**
 * One remote endpoint with three channels of different reliability. Callers never need to know whether
 * it is direct WebRTC or goes through the server: `state` reports it.
 */
export interface Link {
  readonly state: LinkState;
  /** Queues `bytes` on `channel`; false when the link is closed or the channel refused it. */
  send(channel: Channel, bytes: Uint8Array): boolean;
  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void): Disposer;
  onState(listener: (state: LinkState) => void): Disposer;
  stats(): LinkStats;
  close(): void;
}
