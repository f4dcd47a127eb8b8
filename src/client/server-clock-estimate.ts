import { ClockSync } from '../netcode/index.js';

/**
 * The session's view of the server's clock, from its welcome and heartbeats, kept by a
 * {@link ClockSync} fed one sample a heartbeat. The estimate is the offset (server time minus local
 * time) of the lowest-round-trip sample of the last 8 (the one least spoilt by queueing, as NTP's clock
 * filter picks). The applied offset, which `serverNow` adds, slews toward it at most 1 ms per 100 ms,
 * so server time never runs backwards nor jumps at a heartbeat. It steps only to the first welcome's
 * server time, and to an estimate more than 1 s away (a restarted server, a local clock that stepped):
 * slewing a second would take 100 s of wrong time. Each welcome begins a new connection, perhaps to
 * another node by another path, so the samples before it are forgotten; the applied offset runs on.
 *
 * A welcome's time is off by however long the welcome took to arrive, which a busy server or path can
 * make tens of milliseconds more than half a round trip. So after a welcome whose time was taken, the
 * session sends `OPENING_PINGS` pings at once (see SessionHeartbeat), and their estimate is slewed to at
 * `OPENING_SLEW_RATE` (still never backwards): within a second, where the steady rate would take the
 * first heartbeat's 5 s and then 10 s per 100 ms of error.
 */
export class ServerClockEstimate {
  /** Newest heartbeat round trip in ms. */
  rttMs = 0;
  readonly #sync = new ClockSync({
    windowSize: WINDOW,
    bestOf: 1,
    minSamples: 1,
    burstProbes: OPENING_PINGS,
    openingSlewRate: OPENING_SLEW_RATE,
  });

  /**
   * The welcome's server time, seen at local `now`: a rough offset (off by the one-way delay), taken at
   * once for a first session or one over 1 s from the applied offset, otherwise left to the heartbeats.
   */
  welcomed(serverTime: number, now: number): void {
    this.#sync.restart(now, serverTime - now);
  }

  /** A pong to the ping sent at `sentAt` (local), stamped `serverTime` by the server, seen at `now`. */
  pong(sentAt: number, serverTime: number, now: number): void {
    this.rttMs = Math.max(0, now - sentAt);
    this.#sync.onSample(sentAt, serverTime, serverTime, now);
  }

  /** The server's clock at local time `now` (pass non-decreasing times: this moves the slew on). */
  serverNow(now: number): number {
    return this.#sync.remoteNow(now);
  }

  /** The applied offset at local time `now`: `serverNow(now) - now`, server time minus local time in ms. */
  offsetMs(now: number): number {
    this.#sync.remoteNow(now);
    return this.#sync.offsetMs;
  }

  /** The offset the heartbeats point at, that the applied one slews to; undefined until a heartbeat. */
  get estimateMs(): number | undefined {
    return this.#sync.targetOffsetMs;
  }
}

/**
 * Heartbeats the estimate picks from: 40 s at the server's default 5 s heartbeat, long enough for the
 * ClockSync to measure the clocks' drift too; 8 s at one a second.
 */
const WINDOW = 8;

/** Pings sent right after each welcome, `OPENING_PING_GAP_MS` apart: the opening burst of the ClockSync. */
export const OPENING_PINGS = 5;
export const OPENING_PING_GAP_MS = 100;

/**
 * How fast a welcome's rough offset is corrected by the opening pings: 1 ms per 4 ms, so server time runs
 * at 75%..125% speed for the moment it takes (an 88 ms error: 352 ms).
 */
const OPENING_SLEW_RATE = 0.25;
