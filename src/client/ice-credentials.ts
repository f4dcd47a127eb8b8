import type { Cancel, Clock } from '../common/index.js';

/** Ask for fresh credentials this long before the old ones expire, at most (ms). */
const REFRESH_LEAD_MS = 5 * 60_000;
/** Never ask more often than this, whatever a server says (ms). */
const MIN_REFRESH_DELAY_MS = 10_000;

/**
 * When to ask for fresh TURN credentials that last `ttlMs` from now: five minutes before they expire,
 * or half-way through a shorter life, so an attempt started just before the refresh still has time to
 * allocate on TURN with the old ones.
 */
export function refreshDelayMs(ttlMs: number): number {
  return Math.max(MIN_REFRESH_DELAY_MS, ttlMs - Math.min(REFRESH_LEAD_MS, ttlMs / 2));
}

/**
 * The ICE servers this session may use, kept fresh. TURN credentials are issued in each welcome and
 * expire (an hour by default); a client that stays connected longer asks the server for new ones
 * before then (`RefreshIceServers`, answered `IceServers`), so every new WebRTC attempt, read from
 * `servers` when it starts, has credentials TURN still accepts.
 */
export class IceCredentials {
  readonly #clock: Clock;
  readonly #requestRefresh: () => void;
  #servers: RTCIceServer[] = [];
  #cancelRefresh: Cancel | undefined;

  constructor(clock: Clock, requestRefresh: () => void) {
    this.#clock = clock;
    this.#requestRefresh = requestRefresh;
  }

  /** The newest servers the server gave (with this player's TURN credentials, if any). */
  get servers(): RTCIceServer[] {
    return this.#servers;
  }

  /**
   * New servers from a welcome or a refresh. `ttlMs`: how long their TURN credentials last from now;
   * absent when nothing expires (no TURN, or a server that does not say), and then nothing is asked.
   */
  update(servers: RTCIceServer[], ttlMs: number | undefined): void {
    this.#servers = servers;
    this.#cancelRefresh?.();
    this.#cancelRefresh =
      ttlMs === undefined ? undefined : this.#clock.setTimeout(this.#requestRefresh, refreshDelayMs(ttlMs));
  }

  /** The session is over: ask for nothing more. */
  stop(): void {
    this.#cancelRefresh?.();
    this.#cancelRefresh = undefined;
  }
}
