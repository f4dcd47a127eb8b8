import { type Cancel, type Clock, every, LateTicks } from '../common/index.js';
import type { QualityMonitor } from './quality/quality-monitor.js';

/**
 * The link-level keepalive every real link speaks on its control path. Since protocol version 2 each end
 * sends one frame per period, the beat `[6, f64 sentAt, f64 echo, f32 heldMs, u32 datagramsSent,
 * u16 lossOfYours]` (big-endian): its clock; the `sentAt` of the newest beat it heard from the peer (NaN
 * before it heard one) and how long it held that beat before this one, which give the peer a round trip
 * (now − echo − held) without a reply of its own; and its quality report (the datagrams it has sent on
 * the link, this beat included, and the share of the peer's datagrams it found missing, in 65534ths;
 * 65535 = cannot tell yet). A beat whose echo is NaN is answered at once, so both ends measure a round
 * trip within a period of starting. One frame each way per period where the first keepalive sent five
 * (a ping and a report from each end, and the pongs). A peer still speaking that one (`[1, f64 time]`
 * ping, `[2, f64 time]` pong, `[4, u32 datagramsSent, u16 lossOfYours]` report) ignores beats as unknown
 * control frames: its pings are answered, and once one is heard this end pings and reports its way
 * instead of beating. `[3]` is goodbye; on the relay path `[3, epoch]` names the epoch of the receiver's
 * dispatch stream that the closing link took (see `encodeGoodbye`).
 */
export const PING = 1;
export const PONG = 2;
export const BYE = 3;
export const REPORT = 4;
export const BEAT = 6;

/** Keepalive period of every link unless told otherwise (ms): one beat a second each way. */
export const DEFAULT_KEEPALIVE_MS = 1_000;

const LOSS_UNKNOWN = 0xffff;
const BEAT_BYTES = 27;

/**
 * Answers to beats with no echo leave at most this often (ms): a peer that never hears us (or pretends
 * not to) gets one reply per this long, not one per beat it sends.
 */
const EAGER_REPLY_GAP_MS = 100;

/**
 * How much longer than it was an honest hold may read: it travels as a float32 (24 bits), off by a few
 * parts in 10^8 of itself (a hold is at most a period, 1 s).
 */
const HOLD_ROUNDING_MS = 0.01;

export interface Beat {
  /** The sender's clock (ms) when it sent the beat. */
  readonly sentAt: number;
  /** `sentAt` of the newest beat the sender had heard from the receiver; NaN when it had heard none. */
  readonly echo: number;
  /** How long (ms) the sender held that beat before sending this one. */
  readonly heldMs: number;
  /** Datagrams the sender has sent on the link, this beat included; 0 when it does not count them. */
  readonly datagramsSent: number;
  /** Share of the receiver's datagrams the sender found missing (0..1); NaN when it cannot tell yet. */
  readonly lossOfYours: number;
}

export function encodePing(now: number): Uint8Array<ArrayBuffer> {
  const ping = new Uint8Array(9);
  ping[0] = PING;
  new DataView(ping.buffer).setFloat64(1, now);
  return ping;
}

export function encodeReport(datagramsSent: number, lossOfYours: number): Uint8Array<ArrayBuffer> {
  const report = new Uint8Array(7);
  const view = new DataView(report.buffer);
  report[0] = REPORT;
  view.setUint32(1, datagramsSent >>> 0);
  view.setUint16(5, lossCode(lossOfYours));
  return report;
}

export function encodeBeat(beat: Beat): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(BEAT_BYTES);
  const view = new DataView(frame.buffer);
  frame[0] = BEAT;
  view.setFloat64(1, beat.sentAt);
  view.setFloat64(9, beat.echo);
  view.setFloat32(17, beat.heldMs);
  view.setUint32(21, beat.datagramsSent >>> 0);
  view.setUint16(25, lossCode(beat.lossOfYours));
  return frame;
}

function lossCode(loss: number): number {
  return loss >= 0 && loss <= 1 ? Math.round(loss * 0xfffe) : LOSS_UNKNOWN;
}

function lossOf(code: number): number {
  return code === LOSS_UNKNOWN ? Number.NaN : Math.min(1, code / 0xfffe);
}

/**
 * A goodbye: `[3]`, or `[3, followed]` where `followed` is the epoch of the receiver's dispatch stream
 * that the closing link took, so that the receiver can tell whether it is meant for its link of now (see
 * FailoverLink.isGoodbyeForUs).
 */
export function encodeGoodbye(followed?: number): Uint8Array<ArrayBuffer> {
  return followed === undefined ? Uint8Array.of(BYE) : Uint8Array.of(BYE, followed);
}

export type ControlMessage =
  | { type: 'bye'; followed: number | undefined }
  | ({ type: 'beat' } & Beat)
  | { type: 'ping'; reply: Uint8Array<ArrayBuffer>; sentAt: number }
  | { type: 'pong'; sentAt: number }
  | { type: 'report'; datagramsSent: number; lossOfYours: number };

/** Reads a control frame; undefined for anything malformed (peer input). */
export function readControl(bytes: Uint8Array): ControlMessage | undefined {
  const type = bytes[0];
  if (type === BYE) {
    if (bytes.length > 2) return undefined;
    return { type: 'bye', followed: bytes[1] };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === BEAT && bytes.length === BEAT_BYTES) {
    const sentAt = view.getFloat64(1);
    const echo = view.getFloat64(9);
    const heldMs = view.getFloat32(17);
    // A clock is finite; an echo is a clock or NaN (nothing heard); a hold is a finite duration.
    const echoIsClock = Number.isFinite(echo) || Number.isNaN(echo);
    if (!Number.isFinite(sentAt) || !echoIsClock || !(heldMs >= 0 && heldMs < Number.POSITIVE_INFINITY)) {
      return undefined;
    }
    return {
      type: 'beat',
      sentAt,
      echo,
      heldMs,
      datagramsSent: view.getUint32(21),
      lossOfYours: lossOf(view.getUint16(25)),
    };
  }
  if (type === REPORT && bytes.length === 7) {
    return { type: 'report', datagramsSent: view.getUint32(1), lossOfYours: lossOf(view.getUint16(5)) };
  }
  if (bytes.length !== 9) return undefined;
  const sentAt = view.getFloat64(1);
  if (type === PING) {
    const reply = bytes.slice();
    reply[0] = PONG;
    return { type: 'ping', reply, sentAt };
  }
  if (type === PONG) return { type: 'pong', sentAt };
  return undefined;
}

export interface LinkHeartbeatOptions {
  clock: Clock;
  /** Sends a control frame to the peer (a beat, or a pong to a version 1 ping). */
  send(bytes: Uint8Array<ArrayBuffer>): void;
  /** Nothing heard for `deadAfterMs`, or the peer said goodbye (without `onGoodbye`): the link is over. */
  onGone(): void;
  /** The peer said goodbye, naming the epoch of our dispatch stream its link took (see `encodeGoodbye`). */
  onGoodbye?(followed: number | undefined): void;
  onRtt(ms: number): void;
  /** Beat period (ms). Default 1,000. */
  keepaliveMs?: number;
  /** Silence (ms) after which the peer is gone. Default 4,000. */
  deadAfterMs?: number;
  /**
   * The link's quality monitor: the heartbeat counts its own frames as datagrams, feeds it round trips,
   * the jitter of the peer's timestamped beats, and the peer's reports, and puts its own report in each
   * beat.
   */
  quality?: QualityMonitor;
  /**
   * A control frame from the peer that was not read (malformed), or whose round trip this end could not
   * have measured (an echo of a time it never sent: before the heartbeat started, or in the future; a
   * hold longer than the round trip): for the owner's counts.
   */
  refused?(): void;
}

/**
 * The keepalive every real link runs over its control path: a beat at a steady pace that carries the
 * round trip's echo and the quality report, and the peer declared gone after a silence. `heard()` is
 * called for anything that arrives from the peer, data included.
 */
/** How far behind the newest beat heard a beat can be and still be a late one from the same peer (ms). */
const LATE_BEAT_AT_MOST_MS = 3_000;

export class LinkHeartbeat {
  readonly #options: LinkHeartbeatOptions;
  #lastHeard = 0;
  #stop: Cancel | undefined;
  /** The newest beat heard from the peer (its clock) and when it came (ours); NaN before one came. */
  #peerSentAt = Number.NaN;
  #peerArrivedAt = Number.NaN;
  /** The echo of the last round trip taken: a beat that repeats it (nothing newer heard) adds none. */
  #echoTaken = Number.NaN;
  #lastBeatAt = Number.NEGATIVE_INFINITY;
  /** A tick far later than its period follows a stall of this process (see `#tick`). */
  readonly #ticks: LateTicks;
  /** When the heartbeat (re)started: every time of ours the peer echoes is from then on. */
  #startedAt = 0;
  /** Cancels an answer to a beat that is on its way out. */
  #cancelReply: Cancel | undefined;
  /** The peer pings and reports instead of beating (it does not know beats): answered in kind. */
  #peerPings = false;
  /** When a beat of the peer's last said it heard nothing from us (its echo NaN: a probe, or its first). */
  #peerUnheardAt = Number.NEGATIVE_INFINITY;

  constructor(options: LinkHeartbeatOptions) {
    this.#options = options;
    this.#lastHeard = options.clock.now();
    this.#startedAt = this.#lastHeard;
    this.#ticks = new LateTicks(options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS, this.#lastHeard);
  }

  start(): void {
    this.#lastHeard = this.#options.clock.now();
    // Started again (a new session, perhaps another node): what was heard from the peer before is gone.
    if (this.#stop === undefined) {
      this.#forgetPeer();
      this.#startedAt = this.#lastHeard;
      this.#ticks.restart(this.#lastHeard);
    }
    this.#stop ??= every(this.#options.clock, this.#options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS, () =>
      this.#tick(),
    );
  }

  #forgetPeer(): void {
    this.#peerUnheardAt = Number.NEGATIVE_INFINITY;
    this.#peerSentAt = Number.NaN;
    this.#peerArrivedAt = Number.NaN;
    this.#echoTaken = Number.NaN;
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
    this.#cancelReply?.();
    this.#cancelReply = undefined;
  }

  /** `now`: the clock's time, when the caller has already read it. */
  heard(now = this.#options.clock.now()): void {
    this.#lastHeard = now;
  }

  /** When anything (data or control) last came from the peer, as `heard` was told (the clock's ms). */
  get lastHeardAt(): number {
    return this.#lastHeard;
  }

  /**
   * When a beat of the peer's last said that it heard nothing from us (its echo NaN): its first beats, and
   * its probes while the path is quiet at its end (see `probe`). -Infinity when none did.
   */
  get peerUnheardAt(): number {
    return this.#peerUnheardAt;
  }

  /**
   * Sends a beat now, off its period, that asks the peer to answer at once: its echo says nothing of ours
   * was heard, which a peer answers within `EAGER_REPLY_GAP_MS` (a peer that pings is pinged, and pongs
   * at once). A path gone quiet is then heard from within a round trip if it still carries anything.
   */
  probe(): void {
    if (this.#stop === undefined) return;
    const now = this.#options.clock.now();
    if (this.#peerPings) this.#send(encodePing(now));
    else this.#beat(now, Number.NaN);
  }

  /** A control frame from the peer. */
  receive(bytes: Uint8Array): void {
    const now = this.#options.clock.now();
    this.heard(now);
    const quality = this.#options.quality;
    quality?.received(bytes.length, true);
    const control = readControl(bytes);
    if (control === undefined) {
      this.#options.refused?.();
      return;
    }
    if (control.type === 'beat') {
      this.#peerPings = false;
      this.#receiveBeat(control, now);
    } else if (control.type === 'bye') {
      if (this.#options.onGoodbye) this.#options.onGoodbye(control.followed);
      else this.#options.onGone();
    } else if (control.type === 'ping') {
      this.#peerPings = true;
      quality?.arrival(control.sentAt);
      this.#send(control.reply);
    } else if (control.type === 'pong') this.#roundTripSince(control.sentAt, 0, now);
    else if (control.type === 'report') quality?.peerReport(control.datagramsSent, control.lossOfYours);
  }

  #receiveBeat(beat: Beat, now: number): void {
    const quality = this.#options.quality;
    quality?.arrival(beat.sentAt);
    // Overtaken by a newer beat: its count is older than one already taken (which a loss window takes
    // for the peer restarting its count), and its echo older too. Its arrival still tells the jitter.
    // Far behind the newest, it is no late beat but another peer (a node whose clock is elsewhere).
    if (beat.sentAt < this.#peerSentAt) {
      if (this.#peerSentAt - beat.sentAt <= LATE_BEAT_AT_MOST_MS) return;
      this.#forgetPeer();
    }
    if (beat.datagramsSent > 0) quality?.peerReport(beat.datagramsSent, beat.lossOfYours);
    if (Number.isNaN(beat.echo)) this.#peerUnheardAt = now;
    const firstHeard = Number.isNaN(this.#peerSentAt);
    this.#peerSentAt = beat.sentAt;
    this.#peerArrivedAt = now;
    if (!Number.isNaN(beat.echo) && beat.echo !== this.#echoTaken) {
      this.#echoTaken = beat.echo;
      this.#roundTripSince(beat.echo, beat.heldMs, now);
    }
    // An end that has no echo yet gets one now rather than up to a period later: the peer's first beat
    // (once per link), or a beat saying it has not heard us (at most every EAGER_REPLY_GAP_MS). Sent from
    // a task of its own, not from inside the transport's receive callback: answering synchronously from
    // libdatachannel's callback at both ends made later connections in the process fail to come up.
    const eager = firstHeard || (Number.isNaN(beat.echo) && now - this.#lastBeatAt >= EAGER_REPLY_GAP_MS);
    if (eager && this.#stop !== undefined && this.#cancelReply === undefined) {
      this.#lastBeatAt = now;
      this.#cancelReply = this.#options.clock.setTimeout(() => {
        this.#cancelReply = undefined;
        this.#beat(this.#options.clock.now());
      }, 0);
    }
  }

  /**
   * The round trip of a frame of ours sent at `sentAt` (our clock, as the peer echoed it) and held
   * `heldMs` by the peer. Peer input: a time this end never sent (before the heartbeat started, or ahead
   * of now) or a hold longer than the whole trip measures nothing, and is refused; taken, it showed
   * round trips of 1e300 ms or Infinity in the link's stats.
   */
  #roundTripSince(sentAt: number, heldMs: number, now: number): void {
    const ms = now - sentAt - heldMs;
    // The hold travels as a float32, so an honest one can read a hair longer than it was: on a path of
    // next to no transit the trip then comes out just below 0, which is 0, not a made-up time.
    if (!(sentAt >= this.#startedAt && sentAt <= now && ms >= -HOLD_ROUNDING_MS)) {
      this.#options.refused?.();
      return;
    }
    this.#roundTrip(Math.max(0, ms));
  }

  #roundTrip(ms: number): void {
    this.#options.quality?.rtt(ms);
    this.#options.onRtt(ms);
  }

  #tick(): void {
    const now = this.#options.clock.now();
    // A late tick: this process stood still, and what the peer sent meanwhile waits to be read behind
    // this timer (LateTicks). That silence is ours, not the peer's: it is judged, and the quality graded,
    // at the next tick, once those frames have been read (a peer really gone is given up one period
    // later). The beat goes now, so the peer hears from us at once.
    const stalled = this.#ticks.late(now);
    if (!stalled && now - this.#lastHeard > (this.#options.deadAfterMs ?? 4_000)) {
      this.#options.onGone();
      return;
    }
    if (this.#peerPings) this.#pingAndReport(now);
    else this.#beat(now);
    if (!stalled) this.#options.quality?.evaluate();
  }

  /** The keepalive of a peer that does not know beats: a ping, and a report after it. */
  #pingAndReport(now: number): void {
    this.#send(encodePing(now));
    const quality = this.#options.quality;
    if (!quality) return;
    quality.sent(7, true);
    this.#options.send(encodeReport(quality.datagramsSent, quality.snapshot().lossDown));
  }

  /** `echo`: NaN asks the peer for an answer at once (see `probe`). */
  #beat(now: number, echo = this.#peerSentAt): void {
    this.#lastBeatAt = now;
    const quality = this.#options.quality;
    // Counted before it is encoded: the beat's number includes itself, as the peer counts it on arrival.
    quality?.sent(BEAT_BYTES, true);
    const heard = !Number.isNaN(echo);
    this.#options.send(
      encodeBeat({
        sentAt: now,
        echo,
        heldMs: heard ? Math.max(0, now - this.#peerArrivedAt) : 0,
        datagramsSent: quality?.datagramsSent ?? 0,
        lossOfYours: quality ? quality.snapshot().lossDown : Number.NaN,
      }),
    );
  }

  #send(bytes: Uint8Array<ArrayBuffer>): void {
    this.#options.quality?.sent(bytes.length, true);
    this.#options.send(bytes);
  }
}

/** A received message as bytes: ArrayBuffer or any view; undefined for text or anything else. */
export function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
