/**
 * The three channels every link carries (DESIGN.md, "The three channels"):
 * - phys: state samples and inputs; unordered, never retransmitted: only the newest matters;
 * - event: game events that matter briefly; unordered, retransmitted only within `maxPacketLifeTime`;
 * - dispatch: critical actions; reliable and in order.
 */
export const Channel = {
  phys: 'phys',
  event: 'event',
  dispatch: 'dispatch',
} as const;

export type Channel = (typeof Channel)[keyof typeof Channel];

export const CHANNELS: readonly Channel[] = [Channel.phys, Channel.event, Channel.dispatch];

/**
 * Bytes a datagram channel (`phys`, `event`) may have queued in its data channel before new messages are
 * dropped as a lossy network would drop them: queued samples only go stale, and the alternative, handing
 * them to another path, would deliver them twice.
 */
export const DATAGRAM_QUEUE_LIMIT = 64 * 1024;

/** Default life of an `event` message: retransmitted while younger, dropped after (ms). */
export const DEFAULT_EVENT_LIFETIME_MS = 250;

/**
 * The part of WebRTC's `RTCDataChannelInit` a channel's settings use. Its own type, not the DOM's, so that
 * the transport's declarations outside `RtcLink` (which the server's include) name no DOM type.
 */
export interface DataChannelSettings {
  readonly negotiated: true;
  readonly id: number;
  readonly ordered: boolean;
  readonly maxRetransmits?: number;
  readonly maxPacketLifeTime?: number;
}

/**
 * RTCDataChannel settings per channel. Negotiated out of band with fixed ids, so both sides create
 * them identically and no in-band announcement (which some stacks get wrong) is needed.
 */
export function dataChannelInit(
  channel: Channel,
  eventLifetimeMs = DEFAULT_EVENT_LIFETIME_MS,
): DataChannelSettings {
  switch (channel) {
    case Channel.phys:
      return { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 };
    case Channel.event:
      return { negotiated: true, id: 1, ordered: false, maxPacketLifeTime: eventLifetimeMs };
    case Channel.dispatch:
      return { negotiated: true, id: 2, ordered: true };
  }
}
