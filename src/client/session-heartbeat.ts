import type { Cancel, Clock } from '../common/index.js';
import { type Body, encodeMessage, Kind } from '../protocol/index.js';
import { watchDeadServer } from './dead-server-watch.js';
import { OPENING_PING_GAP_MS, OPENING_PINGS, ServerClockEstimate } from './server-clock-estimate.js';

/** What the heartbeat needs of the session. */
export interface HeartbeatSession {
  readonly clock: Clock;
  /** `deadServerTimeoutMs` (default: three heartbeats). */
  readonly deadServerTimeoutMs: number | undefined;
  /** Whether there is a socket to ping on. */
  hasSocket(): boolean;
  /** Writes a ping at once, charged to the send budget. */
  writeControl(frame: Uint8Array): void;
  /** Nothing heard from the server for too long: the socket is given up. */
  dead(): void;
}

/**
 * The session's heartbeat: pings the server, gives a silent one up, and keeps the server's clock from the
 * pongs (round trip, offset).
 */
export class SessionHeartbeat {
  readonly #session: HeartbeatSession;
  readonly #serverClock = new ServerClockEstimate();
  #lastHeard = 0;
  #heartbeatMs = 5_000;
  #nextPingId = 0;
  /** The ping of `afterServerCaughtUp` whose pong is awaited (this socket's only), and who waits for it. */
  #caughtUpPing: { id: number; waiting: (() => void)[]; overtakenBy?: number } | undefined;
  /** Who called `afterServerCaughtUp` while that ping was out: the next such ping answers them all. */
  #caughtUpNext: (() => void)[] = [];
  #cancelHeartbeat: Cancel | undefined;
  #cancelOpeningPings: Cancel | undefined;

  constructor(session: HeartbeatSession) {
    this.#session = session;
  }

  /** Newest heartbeat round trip in ms. */
  get rttMs(): number {
    return this.#serverClock.rttMs;
  }

  /** See `SessionConnection.clockOffsetMs`. */
  offsetMs(): number {
    return this.#serverClock.offsetMs(this.#session.clock.now());
  }

  /** The server's clock now, in ms: never runs backwards, but for a step over an error beyond a second. */
  serverNow(): number {
    return this.#serverClock.serverNow(this.#session.clock.now());
  }

  /** Something came from the server. */
  heard(): void {
    this.#lastHeard = this.#session.clock.now();
  }

  /** See `SessionConnection.afterServerCaughtUp`. */
  afterServerCaughtUp(then: () => void): void {
    if (!this.#session.hasSocket()) return;
    // One such ping out at a time: a ping each for many calls at once went past the server's rate, which
    // drops what is over it, and the calls whose pings it dropped were never answered. A ping written
    // later still goes behind everything the caller had written.
    if (this.#caughtUpPing) this.#caughtUpNext.push(then);
    else this.#pingForCaughtUp([then]);
  }

  #pingForCaughtUp(waiting: (() => void)[]): void {
    const id = this.#nextPingId++ >>> 0;
    this.#caughtUpPing = { id, waiting };
    this.#session.writeControl(encodeMessage(Kind.Ping, { id, t: this.#session.clock.now() }));
  }

  pong(body: Body<typeof Kind.Pong>): void {
    this.#serverClock.pong(body.t, body.rt, this.#session.clock.now());
    const out = this.#caughtUpPing;
    if (out === undefined) return;
    if (out.overtakenBy !== undefined && writtenSince(body.id, out.overtakenBy)) {
      // The server answers pings in the order it reads them: a later one answered first means ours was
      // dropped (over the server's rate), and all who wait would wait for good. Asked again, for all.
      // Any later one: the first written after ours may have been dropped as well.
      this.#caughtUpPing = undefined;
      const waiting = [...out.waiting, ...this.#caughtUpNext];
      this.#caughtUpNext = [];
      this.#pingForCaughtUp(waiting);
      return;
    }
    if (body.id !== out.id) return;
    this.#caughtUpPing = undefined;
    const next = this.#caughtUpNext;
    this.#caughtUpNext = [];
    if (next.length > 0) this.#pingForCaughtUp(next);
    for (const then of out.waiting) then();
  }

  /** A welcome: the server's heartbeat period and its clock. */
  welcomed(heartbeatMs: number, serverTime: number): void {
    this.#heartbeatMs = heartbeatMs;
    this.#serverClock.welcomed(serverTime, this.#session.clock.now());
  }

  start(): void {
    this.#cancelHeartbeat?.();
    const session = this.#session;
    const clock = session.clock;
    this.#lastHeard = clock.now();
    this.#sendOpeningPings();
    const deadAfter = session.deadServerTimeoutMs ?? this.#heartbeatMs * 3;
    const period = Math.max(10, Math.min(this.#heartbeatMs, deadAfter / 3));
    this.#cancelHeartbeat = watchDeadServer({
      clock,
      periodMs: period,
      deadAfterMs: deadAfter,
      lastHeard: () => this.#lastHeard,
      ping: () => this.#ping(),
      dead: () => session.dead(),
    });
  }

  #ping(): void {
    if (this.#session.hasSocket()) {
      const t = this.#session.clock.now();
      const id = this.#nextPingId++ >>> 0;
      this.#session.writeControl(encodeMessage(Kind.Ping, { id, t }));
      const caughtUp = this.#caughtUpPing;
      if (caughtUp !== undefined) caughtUp.overtakenBy ??= id;
    }
  }

  /**
   * The pings that correct the welcome's rough clock offset within a second (see ServerClockEstimate), the
   * first at once: the heartbeat's own would take a whole period to begin.
   */
  #sendOpeningPings(): void {
    this.#cancelOpeningPings?.();
    let left = OPENING_PINGS;
    const next = () => {
      this.#cancelOpeningPings = undefined;
      this.#ping();
      if (--left > 0) this.#cancelOpeningPings = this.#session.clock.setTimeout(next, OPENING_PING_GAP_MS);
    };
    next();
  }

  /** The socket is gone: a pong can only come on the socket its ping went out on. */
  stop(): void {
    this.#caughtUpPing = undefined;
    this.#caughtUpNext = [];
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = undefined;
    this.#cancelOpeningPings?.();
    this.#cancelOpeningPings = undefined;
  }
}

/** Whether ping `id` was written at or after ping `since` (ids count up from 0, modulo 2^32). */
function writtenSince(id: number, since: number): boolean {
  return (id - since) >>> 0 < 2 ** 31;
}
