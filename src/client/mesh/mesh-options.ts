import type { RtcPeerConnectionConstructor } from '../../transport/index.js';
import { checkRtcOption } from './rtc-option-check.js';

/** A peer's flood penalty unless `floodPenaltyMs` says otherwise (ms). */
export const DEFAULT_FLOOD_PENALTY_MS = 60_000;
/** A day: longer is a block (`block`), not a penalty. */
const MAX_FLOOD_PENALTY_MS = 86_400_000;
/** Messages a second taken from one peer unless `peerMessagesPerSecond` says otherwise. */
export const DEFAULT_PEER_MESSAGES_PER_SECOND = 240;
/** The most an SCTP channel's maxPacketLifeTime holds (an unsigned short), and so the direct path's. */
const MAX_EVENT_LIFETIME_MS = 65_535;

export interface MeshOptions {
  /**
   * WebRTC settings. Default: the browser's RTCPeerConnection when there is one; `false` or no
   * RTCPeerConnection means every link goes through the server relay. In a relay-only room
   * (`room.peerPrivacy`) the policy is 'relay' whatever is asked, and without a TURN server every link
   * uses the server relay.
   */
  rtc?:
    | false
    | {
        RTCPeerConnection?: RtcPeerConnectionConstructor;
        iceServers?: RTCIceServer[];
        iceTransportPolicy?: RTCIceTransportPolicy;
        extraConfiguration?: Record<string, unknown>;
      };
  /**
   * How long an `event` message may take to arrive before it is given up (ms), on the direct path and
   * the relay alike. An integer in 1..65,535; default 250.
   */
  eventLifetimeMs?: number;
  /**
   * Rooms larger than this use the relay for everyone (a full mesh costs n-1 uploads). 2-16, default 8.
   * Checked at every join and leave: links go to the relay as the room grows past it, and back to
   * direct as it shrinks.
   */
  maxMeshSize?: number;
  /** A direct attempt not connected by then falls back to the relay (ms, above 0). Default 5,000. */
  directTimeoutMs?: number;
  /** Retry a failed direct link after this long (ms, above 0). Default 15,000. */
  retryDirectMs?: number;
  /**
   * A direct link that has heard nothing from its peer for this long (ms, above 0) is quiet: what is sent
   * to the peer takes the relay, and the link reports `'relayed'`, while the direct path stays open; it is
   * back in use (`'direct'`) as soon as anything is heard on it again. Each link's keepalive beats once a
   * second, and three quarters of the way to this it asks the peer for an answer at once, so an idle link that lost a beat
   * does not go quiet. Default 1,500; `Infinity`: traffic leaves the direct path only when it is given up
   * (`directDeadMs`).
   */
  directQuietMs?: number;
  /**
   * A direct link that has heard nothing from its peer for this long (ms) is given up: closed, and tried
   * again as a failed one is (`retryDirectMs`). A finite number above 0; default 4,000. Shorter gives up
   * paths that would have come back (a Wi-Fi hiccup), and makes a new handshake for each.
   */
  directDeadMs?: number;
  /** Largest message accepted from a peer, in bytes (a positive integer). Default 16 KiB. */
  maxMessageBytes?: number;
  /** Messages per second accepted from one peer (above 0; burst twice that). Default 240. */
  peerMessagesPerSecond?: number;
  /**
   * A peer that floods its direct link (refused messages within 2 s reaching four times what its rate
   * admits then: see flood-watch.ts) is held to the relay this long (ms), where the server's limits stand
   * between it and this player, and then offered a direct link again. Default 60,000; 0 never holds one.
   */
  floodPenaltyMs?: number;
}

/**
 * Throws a RangeError naming the first option that no mesh could work with (a TypeError for an `rtc` of
 * the wrong shape).
 */
export function checkMeshOptions(options: MeshOptions): void {
  const { maxMeshSize, floodPenaltyMs, eventLifetimeMs, maxMessageBytes } = options;
  checkRtcOption(options.rtc);
  // It was an `rtc` option, which the relay never saw: refused there rather than silently ignored.
  if (options.rtc && 'eventLifetimeMs' in options.rtc) {
    throw new RangeError('eventLifetimeMs is a mesh option, for both paths: room.mesh({ eventLifetimeMs })');
  }
  if (
    maxMeshSize !== undefined &&
    !(Number.isInteger(maxMeshSize) && maxMeshSize >= 2 && maxMeshSize <= 16)
  ) {
    throw new RangeError('maxMeshSize must be an integer in 2..16');
  }
  if (floodPenaltyMs !== undefined && !(floodPenaltyMs >= 0 && floodPenaltyMs <= MAX_FLOOD_PENALTY_MS)) {
    throw new RangeError(`floodPenaltyMs must be a number of ms in 0..${MAX_FLOOD_PENALTY_MS}`);
  }
  if (
    eventLifetimeMs !== undefined &&
    !(Number.isInteger(eventLifetimeMs) && eventLifetimeMs >= 1 && eventLifetimeMs <= MAX_EVENT_LIFETIME_MS)
  ) {
    throw new RangeError(`eventLifetimeMs must be an integer number of ms in 1..${MAX_EVENT_LIFETIME_MS}`);
  }
  if (maxMessageBytes !== undefined && !(Number.isInteger(maxMessageBytes) && maxMessageBytes >= 1)) {
    throw new RangeError('maxMessageBytes must be a positive integer');
  }
  const quiet = options.directQuietMs;
  if (quiet !== undefined && !(typeof quiet === 'number' && quiet > 0)) {
    throw new RangeError('directQuietMs must be a number of ms above 0 (Infinity: never)');
  }
  for (const name of ['directTimeoutMs', 'retryDirectMs', 'directDeadMs', 'peerMessagesPerSecond'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${name} must be a finite number above 0`);
    }
  }
}
