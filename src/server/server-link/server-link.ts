import { type Cancel, type Clock, Emitter } from '../../common/index.js';
import {
  type DeviceReport,
  FailoverLink,
  type Link,
  RelayLink,
  type RelayPort,
  type RtcSignal,
  type RtcSignaling,
} from '../../transport/core.js';

/**
 * How one direct attempt ended: `direct` (up), or before it was: `no-answer` (the offer had no answer the
 * link took in time), `bad-answer` (the link refused the client's answer), `timeout` (answered, not direct
 * in time), `failed` (the connection failed), `abandoned` (the link closed: the session ended).
 */
export type DirectOutcome = 'direct' | 'no-answer' | 'bad-answer' | 'timeout' | 'failed' | 'abandoned';

/** How a ServerLink makes direct attempts; given once the client asked for one and the server can. */
export interface DirectAttempts {
  /**
   * Queues the set-up of an attempt behind the handshake pacer; `create` runs when its turn comes.
   * `rank`: the session's failed attempts in a row (the pacer serves lower ranks of an address first).
   * Returns `done` (the handshake ended) and `cancel` (withdraw while waiting).
   */
  schedule(create: () => void, rank: number): { done: () => void; cancel: () => void };
  /**
   * Builds the native link for one attempt. The link calls `answered` when the client's answer came:
   * true once applied (the offer is answered), false if refused (the attempt then ends at once, failed).
   */
  connect(n: number, signaling: RtcSignaling, answered: (accepted: boolean) => void): Link;
  /** Sends a signal of attempt `n` to the client. */
  sendSignal(n: number, signal: RtcSignal): void;
  /** An attempt not direct by then is abandoned (ms). */
  directTimeoutMs: number;
  /** Silence on a direct path after which the server's traffic takes TCP mode (see FailoverOptions). */
  quietAfterMs?: number;
  /**
   * An attempt whose offer has no answer the link took by then is abandoned (ms), so that a client that
   * never answers does not hold a handshake slot for all of `directTimeoutMs`. Default: `directTimeoutMs`.
   */
  answerTimeoutMs?: number;
  /**
   * After failures, the next attempt waits 0.5 s, doubling up to this (ms). A client's request to try
   * again skips that wait at most once in this long.
   */
  retryMs: number;
  /** After this many failed attempts in a row, no more: the link stays in TCP mode. Default: no limit. */
  maxFailedAttempts?: number;
  /**
   * Where the player connects from (their address block). After attempts stopped, a resume from
   * another address (another network) tries again; one from the same address does not.
   */
  address?: string;
  /** Each attempt's end, once: direct, or why not. */
  outcome?(outcome: DirectOutcome): void;
  /**
   * `connect` threw (the native stack refused to make a connection: its configuration, no threads or
   * ports left): the attempt ended as `failed`, counted and retried as any failure. Told so the player
   * can hear why.
   */
  setupFailed?(error: unknown): void;
  /** Attempts stopped after `maxFailedAttempts` failures in a row (once; `failures`: that many). */
  gaveUp?(failures: number): void;
}

/**
 * A player's link to the server: direct (the server as one more WebRTC peer, datagrams over UDP) when it
 * can be had, and over the WebSocket in TCP mode otherwise, upgrading back by itself. Rooms send
 * snapshots and receive inputs through it without knowing the path.
 *
 * The TCP path works from the first moment and never closes on silence (the session's own heartbeat
 * watches the socket): newest-only `phys` while the socket backs up, `event` expiring, `dispatch`
 * reliable. The server offers each direct attempt; attempts are numbered so stale signals are ignored.
 */
export class ServerLink extends FailoverLink {
  readonly #clock: Clock;
  readonly #tcp: RelayLink;
  readonly #signals = new Emitter<{ signal: RtcSignal }>();
  #attempts: DirectAttempts | undefined;
  #attempt = 0;
  #pending: { done: () => void; cancel: () => void } | undefined;
  /** Ends the attempt in progress (its link up, not yet direct) as `abandoned`: the link is closing. */
  #abandonAttempt: (() => void) | undefined;
  /** The attempt in progress is abandoned if not direct in time... */
  #cancelAttemptTimer: Cancel | undefined;
  /** ...or if its offer has no answer in time. */
  #cancelAnswerTimer: Cancel | undefined;
  /** The wait before the next attempt, after a failure. */
  #cancelBackoff: Cancel | undefined;
  /** When a client's request skipped the backoff last (at most once per `retryMs`). */
  #skippedAt = Number.NEGATIVE_INFINITY;
  #gaveUp = false;
  /** Direct attempts that failed or timed out. */
  failedAttempts = 0;
  /** Failures since the link was last direct for `retryMs`: the next retry waits longer each time. */
  #failuresInARow = 0;
  readonly #queued: () => number;
  readonly #connected: () => boolean;
  /** What the player's device declared (its newest valid report); undefined until one came. */
  device: DeviceReport | undefined;

  /**
   * `port`: sends one of the link's messages to the client over the WebSocket (DatagramFromServer).
   * `queued`: bytes waiting for the player's socket (for adaptive rates).
   * `portTagged`: like a volatile `port` send of a tag and a body, written into the frame in place.
   * `connected`: whether the player's socket is there (while away, what `port` sends waits for a replay).
   */
  constructor(
    clock: Clock,
    port: RelayPort['send'],
    queued: () => number = () => 0,
    portTagged?: RelayPort['sendTaggedVolatile'],
    connected: () => boolean = () => true,
  ) {
    const tcp = new RelayLink(
      'client',
      { clock, send: port, ...(portTagged ? { sendTaggedVolatile: portTagged } : {}) },
      // The session's own heartbeat watches the socket: this one never closes the path; its keepalive (a
      // 27-byte beat a second) measures the path's quality: round trip, jitter, stale samples dropped.
      // Nor does the player's goodbye close it: nothing would open it again for the rest of the session.
      {
        physIntervalMs: 0,
        keepaliveMs: 1_000,
        deadAfterMs: Number.POSITIVE_INFINITY,
        heedGoodbyes: false,
      },
    );
    super(clock, tcp);
    this.#clock = clock;
    this.#tcp = tcp;
    this.#queued = queued;
    this.#connected = connected;
  }

  /** Bytes waiting to be written to the player's socket: growth means the path cannot keep up. */
  queuedBytes(): number {
    return this.#queued();
  }

  /** Whether direct attempts are being made for this player. */
  get directEnabled(): boolean {
    return this.#attempts !== undefined;
  }

  /** Whether attempts stopped after `maxFailedAttempts` failures in a row: the link stays in TCP mode. */
  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  /**
   * The client asked for a direct link (its hello): start attempting. Asked again (the hello of a
   * resume), try again as `retryNow` does: failures while the player was away may have pushed the next
   * attempt up to `retryMs` away, though their network is back. After attempts stopped, only a resume from
   * another address (another network) starts them again.
   */
  enableDirect(attempts: DirectAttempts): void {
    if (this.state === 'closed') return;
    const previous = this.#attempts;
    // The newest hello's: its address is where the player is now.
    this.#attempts = attempts;
    this.judgeQuietBy(attempts.quietAfterMs === undefined ? {} : { quietAfterMs: attempts.quietAfterMs });
    if (!previous) {
      this.#startAttempt();
      return;
    }
    if (this.#gaveUp) {
      if (attempts.address === undefined || attempts.address === previous.address) return;
      this.#gaveUp = false;
      this.#failuresInARow = 0;
      this.#startAttempt();
      return;
    }
    this.retryNow();
  }

  /**
   * The client asks for a direct attempt now (its network came back). An attempt waiting or in progress
   * goes on; one waiting out the backoff after a failure starts now at most once per `retryMs`, and
   * otherwise when the backoff ends; one that came due while the player was away starts now; none
   * starts after attempts stopped.
   */
  retryNow(): void {
    const attempts = this.#attempts;
    if (!attempts || this.state === 'closed' || this.direct?.state === 'direct' || this.#pending) return;
    if (this.#gaveUp) return;
    if (this.#cancelBackoff) {
      const now = this.#clock.now();
      if (now - this.#skippedAt < attempts.retryMs) return;
      this.#skippedAt = now;
    }
    this.#startAttempt();
  }

  /**
   * @internal The player resumed, after the session's replay. With a resync, the session's outbox had
   * dropped frames while they were away, dispatch ones among them maybe: every unacked dispatch frame goes
   * again (duplicates are dropped by number). Without, the replay covered them; only refused ones go.
   */
  resumed(resync: boolean): void {
    // The TCP path ran over the socket that died: what the player sent on it meanwhile is lost with it,
    // which is no measure of the path (the player's link excuses ours alike).
    this.#tcp.quality.excuseOutage();
    if (resync) this.resendDispatch();
    else this.flushDispatch();
  }

  /** Timed dispatch retransmissions wait while the player is away and the link not direct. */
  protected override mayRetransmit(): boolean {
    return this.state === 'direct' || this.#connected();
  }

  /**
   * @internal The client's answer or candidate for attempt `n`. Only an answer the attempt's link took
   * stops the answer timer; one it refused ends the attempt.
   */
  receiveSignal(n: number, signal: RtcSignal): void {
    if (n !== this.#attempt) return;
    this.#signals.emit('signal', signal);
  }

  /** @internal Messages that came over the WebSocket (TCP mode), in order. */
  receiveDatagrams(channelNumber: number, payloads: readonly Uint8Array[], now: number): void {
    for (const payload of payloads) this.#tcp.receive(channelNumber, payload, now, now);
  }

  /** @internal One message that came over the WebSocket (TCP mode). */
  receiveDatagram(channelNumber: number, payload: Uint8Array, now: number): void {
    this.#tcp.receive(channelNumber, payload, now, now);
  }

  override close(): void {
    this.#stopAttempts();
    super.close();
  }

  /**
   * @internal A new client took the session over: the direct path, and any attempt at one, was the old
   * client's (another WebRTC peer), which must not go on getting the player's snapshots. Closed, and the
   * attempts forgotten: the new client's hello asks for its own (`enableDirect` starts them afresh).
   */
  takenOver(): void {
    this.#stopAttempts();
    this.#attempts = undefined;
    this.#gaveUp = false;
    this.#failuresInARow = 0;
    this.useDirect(undefined);
  }

  #stopAttempts(): void {
    this.#stopTimers();
    this.#abandonAttempt?.();
    this.#abandonAttempt = undefined;
    this.#pending?.cancel();
    this.#pending?.done();
    this.#pending = undefined;
  }

  #stopTimers(): void {
    this.#cancelAttemptTimer?.();
    this.#cancelAnswerTimer?.();
    this.#cancelBackoff?.();
    this.#cancelAttemptTimer = undefined;
    this.#cancelAnswerTimer = undefined;
    this.#cancelBackoff = undefined;
  }

  #startAttempt(): void {
    const attempts = this.#attempts;
    if (!attempts) return;
    this.#stopTimers();
    this.#pending?.cancel();
    this.#pending?.done();
    const n = ++this.#attempt;
    const pending = attempts.schedule(() => {
      if (this.state === 'closed' || n !== this.#attempt) {
        pending.done();
        return;
      }
      if (!this.#connected()) {
        // The player dropped while this waited: nobody could answer an offer. The slot goes back, no
        // failure is counted, and their resume makes the attempt (retryNow: nothing is pending).
        if (this.#pending === pending) this.#pending = undefined;
        pending.done();
        return;
      }
      let link: Link | undefined;
      /** Why this attempt was abandoned, if it was. */
      let abandoned: DirectOutcome | undefined;
      const abandon = (why: DirectOutcome) => {
        if (n !== this.#attempt || link === undefined || this.direct !== link || link.state === 'direct')
          return;
        abandoned = why;
        link.close();
      };
      const answerTimeoutMs = attempts.answerTimeoutMs ?? attempts.directTimeoutMs;
      let offered = false;
      let answered = false;
      try {
        link = attempts.connect(
          n,
          {
            send: (signal) => {
              // The offer: the client has answerTimeoutMs to answer it (an answer the link took stops it).
              if (!offered && 'description' in signal && answerTimeoutMs < attempts.directTimeoutMs) {
                offered = true;
                if (!answered)
                  this.#cancelAnswerTimer = this.#clock.setTimeout(
                    () => abandon('no-answer'),
                    answerTimeoutMs,
                  );
              }
              attempts.sendSignal(n, signal);
            },
            onSignal: (listener) => this.#signals.on('signal', listener),
          },
          (accepted) => {
            if (answered || n !== this.#attempt) return;
            if (!accepted) {
              abandon('bad-answer');
              return;
            }
            answered = true;
            this.#cancelAnswerTimer?.();
            this.#cancelAnswerTimer = undefined;
          },
        );
      } catch (error) {
        // Thrown from the pacer's turn, it went uncaught (the process ended) and kept the slot for good.
        if (this.#pending === pending) this.#pending = undefined;
        pending.done();
        attempts.outcome?.('failed');
        attempts.setupFailed?.(error);
        this.#attemptFailed(n);
        return;
      }
      const finish = () => {
        if (this.#pending === pending) this.#pending = undefined;
        if (this.#abandonAttempt === abandonOnClose) this.#abandonAttempt = undefined;
        pending.done();
      };
      let wasDirect = false;
      /** When it went direct (see the count of failures, below). */
      let directAt = 0;
      // The link is closing (the session ended) with this attempt in progress: its outcome, as it goes.
      const abandonOnClose = () => {
        if (!wasDirect) attempts.outcome?.('abandoned');
        finish();
      };
      this.#abandonAttempt = abandonOnClose;
      this.useDirect(link, () => {
        finish();
        // A link that had been direct and then died was no failed attempt, but what follows is the same.
        if (!wasDirect) attempts.outcome?.(abandoned ?? 'failed');
        // Only a link that stayed direct for retryMs starts the count of failures again. One that dies
        // sooner counts on from the attempts before it: otherwise a client closing each direct link as it
        // comes up (its goodbye on the control channel) got a new handshake every 500 ms for ever, each
        // milliseconds of the server's CPU, and a path that keeps dying backs off as one that never works.
        if (wasDirect && this.#clock.now() - directAt >= attempts.retryMs) this.#failuresInARow = 0;
        this.#attemptFailed(n);
      });
      link.onState((state) => {
        if (state !== 'direct' || wasDirect) return;
        wasDirect = true;
        directAt = this.#clock.now();
        this.#cancelAttemptTimer?.();
        this.#cancelAnswerTimer?.();
        this.#cancelAttemptTimer = undefined;
        this.#cancelAnswerTimer = undefined;
        attempts.outcome?.('direct');
        finish();
      });
      this.#cancelAttemptTimer = this.#clock.setTimeout(() => abandon('timeout'), attempts.directTimeoutMs);
    }, this.#failuresInARow);
    this.#pending = pending;
  }

  #attemptFailed(n: number): void {
    const attempts = this.#attempts;
    if (this.state === 'closed' || n !== this.#attempt || !attempts) return;
    this.failedAttempts++;
    this.#failuresInARow++;
    this.#stopTimers();
    if (this.#failuresInARow >= (attempts.maxFailedAttempts ?? Number.POSITIVE_INFINITY)) {
      // A client that never completes a handshake stops costing them; this session stays in TCP mode.
      this.#gaveUp = true;
      attempts.gaveUp?.(this.#failuresInARow);
      return;
    }
    // Soon after a first failure (a handshake can fail for a passing reason), then backing off to retryMs.
    const delay = Math.min(attempts.retryMs, 500 * 2 ** (this.#failuresInARow - 1));
    this.#cancelBackoff = this.#clock.setTimeout(() => {
      this.#cancelBackoff = undefined;
      // While the player is away nobody could answer an offer: their resume makes the attempt.
      if (this.#connected()) this.#startAttempt();
    }, delay);
  }
}
