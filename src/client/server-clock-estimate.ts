/**
 * The session's view of the server's clock from its heartbeats: the newest round trip, and the server
 * time minus local time taken from the lowest-round-trip recent sample (the one with the least
 * asymmetric-delay error).
 */
export class ServerClockEstimate {
  /** Newest heartbeat round trip in ms. */
  rttMs = 0;
  /** Estimated server time minus local time, in ms. */
  clockOffsetMs = 0;
  /** The best recent round trip; it decays (5% + 1 ms a sample) so a route that got slower is let in. */
  #bestRtt = Number.POSITIVE_INFINITY;

  /** The welcome's server time: a first offset, before any round trip is known. */
  welcomed(serverTime: number, now: number): void {
    this.clockOffsetMs = serverTime - now;
  }

  /** A pong to the ping sent at `sentAt` (local), stamped `serverTime` by the server, seen at `now`. */
  pong(sentAt: number, serverTime: number, now: number): void {
    this.rttMs = Math.max(0, now - sentAt);
    this.#bestRtt = Math.min(this.#bestRtt * 1.05 + 1, this.rttMs);
    if (this.rttMs <= this.#bestRtt) this.clockOffsetMs = serverTime - (sentAt + now) / 2;
  }
}
