import { type Cancel, type Clock, Emitter } from '../../common/index.js';
import {
  type DeviceReport,
  FailoverLink,
  type Link,
  RelayLink,
  type RelayPort,
  type RtcSignal,
  type RtcSignaling,
} from '../../transport/index.js';

/** How a ServerLink makes direct attempts; given once the client asked for one and the server can. */
export interface DirectAttempts {
  /**
   * Queues the set-up of an attempt behind the handshake pacer; `create` runs when its turn comes.
   * `rank`: the session's failed attempts in a row (the pacer serves lower ranks of an address first).
   * Returns `done` (the handshake ended) and `cancel` (withdraw while waiting).
   */
  schedule(create: () => void, rank: number): { done: () => void; cancel: () => void };
  /** Builds the native link for one attempt. */
  connect(n: number, signaling: RtcSignaling): Link;
  /** Sends a signal of attempt `n` to the client. */
  sendSignal(n: number, signal: RtcSignal): void;
  /** An attempt not direct by then is abandoned (ms). */
  directTimeoutMs: number;
  /** After failures, the next attempt waits 0.5 s, doubling up to this (ms). */
  retryMs: number;
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
  #cancelTimer: Cancel | undefined;
  /** Direct attempts that failed or timed out. */
  failedAttempts = 0;
  /** Failures since the link was last direct: the next retry waits longer each time. */
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
      { physIntervalMs: 0, keepaliveMs: 1_000, deadAfterMs: Number.POSITIVE_INFINITY },
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

  /**
   * The client asked for a direct link (its hello): start attempting. Asked again (the hello of a
   * resume), try again now rather than wait out the backoff: failures while the player was away may have
   * pushed the next attempt up to `retryMs` away, though their network is back.
   */
  enableDirect(attempts: DirectAttempts): void {
    if (this.state === 'closed') return;
    if (this.#attempts) {
      this.retryNow();
      return;
    }
    this.#attempts = attempts;
    this.#startAttempt();
  }

  /** The client asks for a direct attempt now (its network came back). */
  retryNow(): void {
    if (!this.#attempts || this.state === 'closed' || this.direct?.state === 'direct' || this.#pending)
      return;
    this.#startAttempt();
  }

  /**
   * @internal The player resumed, after the session's replay. With a resync, the session's outbox had
   * dropped frames while they were away, dispatch ones among them maybe: every unacked dispatch frame goes
   * again (duplicates are dropped by number). Without, the replay covered them; only refused ones go.
   */
  resumed(resync: boolean): void {
    if (resync) this.resendDispatch();
    else this.flushDispatch();
  }

  /** Timed dispatch retransmissions wait while the player is away and the link not direct. */
  protected override mayRetransmit(): boolean {
    return this.state === 'direct' || this.#connected();
  }

  /** @internal The client's answer or candidate for attempt `n`. */
  receiveSignal(n: number, signal: RtcSignal): void {
    if (n === this.#attempt) this.#signals.emit('signal', signal);
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
    this.#cancelTimer?.();
    this.#pending?.cancel();
    this.#pending?.done();
    this.#pending = undefined;
    super.close();
  }

  #startAttempt(): void {
    const attempts = this.#attempts;
    if (!attempts) return;
    this.#cancelTimer?.();
    this.#pending?.cancel();
    this.#pending?.done();
    const n = ++this.#attempt;
    const pending = attempts.schedule(() => {
      if (this.state === 'closed' || n !== this.#attempt) {
        pending.done();
        return;
      }
      const link = attempts.connect(n, {
        send: (signal) => attempts.sendSignal(n, signal),
        onSignal: (listener) => this.#signals.on('signal', listener),
      });
      const finish = () => {
        if (this.#pending === pending) this.#pending = undefined;
        pending.done();
      };
      this.useDirect(link, () => {
        finish();
        this.#attemptFailed(n);
      });
      link.onState((state) => {
        if (state === 'direct') {
          this.#cancelTimer?.();
          this.#failuresInARow = 0;
          finish();
        }
      });
      this.#cancelTimer = this.#clock.setTimeout(() => {
        if (this.direct === link && link.state !== 'direct') link.close();
      }, attempts.directTimeoutMs);
    }, this.#failuresInARow);
    this.#pending = pending;
  }

  #attemptFailed(n: number): void {
    if (this.state === 'closed' || n !== this.#attempt || !this.#attempts) return;
    this.failedAttempts++;
    this.#failuresInARow++;
    this.#cancelTimer?.();
    // Soon after a first failure (a handshake can fail for a passing reason), then backing off to retryMs.
    const delay = Math.min(this.#attempts.retryMs, 500 * 2 ** (this.#failuresInARow - 1));
    this.#cancelTimer = this.#clock.setTimeout(() => this.#startAttempt(), delay);
  }
}
