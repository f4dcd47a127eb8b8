import type { Disposer } from '../common/index.js';
import type { Channel } from './channels.js';
import type { QualityGrade } from './quality/grade.js';
import type { QualityView } from './quality/quality-monitor.js';

/** `direct`: peer to peer (WebRTC); `relayed`: through the server; `closed`: for good. */
export type LinkState = 'connecting' | 'direct' | 'relayed' | 'closed';

/**
 * Two kinds of field. Counters count from the link's start and never go down, so that a rate is the
 * difference of two reads: `bytesSent`, `bytesReceived`, `messagesSent`, `messagesReceived`,
 * `droppedFrames`, `samplesReplaced`, `sendDrops`. On a link over two paths (a FailoverLink: the server link, a mesh
 * peer's link) they sum every path it used. Gauges say how the link is now, on the path in use (as its
 * `quality` does): `rttMs`, `lossRate`, `jitterMs`, `lossUp`, `lossDown`, `kbpsIn`, `kbpsOut`, `grade`.
 */
export interface LinkStats {
  /** Gauge: newest round-trip estimate in ms (NaN until measured). */
  rttMs: number;
  /** Gauge: share of this side's `phys` messages the peer reports lost, 0..1 (NaN until known). */
  lossRate: number;
  /** Counter: bytes of the messages sent and received. */
  bytesSent: number;
  bytesReceived: number;
  /** Counter: messages sent and received, on every channel. */
  messagesSent: number;
  messagesReceived: number;
  /** Gauge: RFC 3550 jitter of the peer's keepalives (ms); NaN until measured. See `Link.quality`. */
  jitterMs: number;
  /** Gauge: share of our datagrams the peer missed, and of the peer's we missed, 0..1; NaN until known. */
  lossUp: number;
  lossDown: number;
  /** Gauge: kilobits per second received and sent over the last two seconds. */
  kbpsIn: number;
  kbpsOut: number;
  /** Gauge: the quality grade (with hysteresis), as `quality.grade`. */
  grade: QualityGrade;
  /**
   * Counter: what the peer sent that this link dropped unread (peer input it cannot use): a malformed
   * keepalive frame or one with a round trip this end could not have measured, text where bytes belong,
   * a data channel the peer opened in band (closed at once), an ICE candidate past 64 sent before its
   * description. An honest peer sends none; 0 on links that do not check.
   */
  droppedFrames: number;
  /**
   * Counter: `phys` samples a newest-only gate replaced with a newer one before they left, never sent: a
   * relay path sends at most 20 a second to each peer (`RELAY_PHYS_INTERVAL_MS`), so a game sending faster
   * has the rest replaced there, by design. A direct path sends every sample: the count grows only while
   * the link is relayed.
   */
  samplesReplaced: number;
  /**
   * Counter: `phys` and `event` messages this side took (`send` returned true) and dropped unsent, because
   * the direct path's send queue already held over 64 KiB (`DATAGRAM_QUEUE_LIMIT`): the path carries less
   * than the game sends, and a stale sample is worth less than the next (geckos.io's `onDrop`). The peer's
   * loss figures count them as lost, which they are. 0 on the relay, whose sends are gated instead.
   */
  sendDrops: number;
}

/**
 * One remote endpoint with three channels of different reliability. Callers never need to know whether
 * it is direct WebRTC or goes through the server: `state` reports it.
 */
export interface Link {
  readonly state: LinkState;
  /** Queues `bytes` on `channel`; false when the link is closed or the channel refused it. */
  send(channel: Channel, bytes: Uint8Array): boolean;
  /**
   * Sends the byte `tag` followed by `body` as one message, as `send` would the two joined; a link that
   * can write them straight into its own frame saves the copy (a snapshot after its sync tag).
   */
  sendTagged?(channel: Channel, tag: number, body: Uint8Array): boolean;
  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void): Disposer;
  onState(listener: (state: LinkState) => void): Disposer;
  stats(): LinkStats;
  /** Round trip, jitter, loss each way, bandwidth and a grade, with an event when the grade changes. */
  readonly quality: QualityView;
  /**
   * When anything (data or keepalive) last came from the peer, on the clock the link was given (ms): a
   * direct path has it, and a FailoverLink hands its traffic to the fallback while it stays quiet.
   */
  readonly lastHeardAt?: number;
  /** Asks the peer for an answer at once, so a quiet path is heard from within a round trip if it can be. */
  probe?(): void;
  /** When the peer last said it heard nothing from this end on this path (a keepalive probe of its own). */
  readonly peerUnheardAt?: number;
  close(): void;
}

/** `tag` followed by `body`, for a path that cannot write them into its frame in place. */
export function joinTagged(tag: number, body: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(1 + body.length);
  bytes[0] = tag;
  bytes.set(body, 1);
  return bytes;
}
