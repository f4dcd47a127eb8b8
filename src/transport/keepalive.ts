import { type Cancel, type Clock, every } from '../common/index.js';
import type { QualityMonitor } from './quality/quality-monitor.js';

/**
 * The link-level keepalive both real links speak on their control path: `[1, f64 time]` ping,
 * `[2, f64 time]` pong (the ping echoed), `[3]` goodbye, and `[4, u32 datagrams sent, u16 loss]`
 * quality report (after each ping: the sender's count of datagrams sent, this report included, and the
 * share of the receiver's datagrams it found missing, in 65534ths; 65535 = cannot tell yet). Peers
 * from before the report ignore it (an unknown control frame), so they keep working, without loss figures.
 */
export const PING = 1;
export const PONG = 2;
export const BYE = 3;
export const REPORT = 4;

const LOSS_UNKNOWN = 0xffff;

export function encodeReport(datagramsSent: number, lossOfYours: number): Uint8Array<ArrayBuffer> {
  const report = new Uint8Array(7);
  const view = new DataView(report.buffer);
  report[0] = REPORT;
  view.setUint32(1, datagramsSent >>> 0);
  const loss = lossOfYours >= 0 && lossOfYours <= 1 ? Math.round(lossOfYours * 0xfffe) : LOSS_UNKNOWN;
  view.setUint16(5, loss);
  return report;
}

export function encodePing(now: number): Uint8Array<ArrayBuffer> {
  const ping = new Uint8Array(9);
  ping[0] = PING;
  new DataView(ping.buffer).setFloat64(1, now);
  return ping;
}

export type ControlMessage =
  | { type: 'bye' }
  | { type: 'ping'; reply: Uint8Array<ArrayBuffer>; sentAt: number }
  | { type: 'pong'; sentAt: number }
  | { type: 'report'; datagramsSent: number; lossOfYours: number };

/** Reads a control frame; undefined for anything malformed (peer input). */
export function readControl(bytes: Uint8Array): ControlMessage | undefined {
  const type = bytes[0];
  if (type === BYE) return { type: 'bye' };
  if (type === REPORT && bytes.length === 7) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 7);
    const loss = view.getUint16(5);
    return {
      type: 'report',
      datagramsSent: view.getUint32(1),
      lossOfYours: loss === LOSS_UNKNOWN ? Number.NaN : Math.min(1, loss / 0xfffe),
    };
  }
  if (bytes.length !== 9) return undefined;
  const sentAt = new DataView(bytes.buffer, bytes.byteOffset, 9).getFloat64(1);
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
  /** Sends a control frame to the peer (ping, pong or goodbye). */
  send(bytes: Uint8Array<ArrayBuffer>): void;
  /** Nothing heard for `deadAfterMs`, or the peer said goodbye: the link is over. */
  onGone(): void;
  onRtt(ms: number): void;
  /** Ping period (ms). Default 1,000. */
  keepaliveMs?: number;
  /** Silence (ms) after which the peer is gone. Default 4,000. */
  deadAfterMs?: number;
  /**
   * The link's quality monitor: the heartbeat counts its own frames as datagrams, feeds it round trips,
   * the jitter of the peer's timestamped pings, and the peer's reports, and sends a report after each ping.
   */
  quality?: QualityMonitor;
}

/**
 * The keepalive every real link runs over its control path: pings at a steady pace, answers the peer's,
 * measures the round trip, and declares the peer gone after a silence. `heard()` is called for anything
 * that arrives from the peer, data included.
 */
export class LinkHeartbeat {
  readonly #options: LinkHeartbeatOptions;
  #lastHeard: number;
  #stop: Cancel | undefined;

  constructor(options: LinkHeartbeatOptions) {
    this.#options = options;
    this.#lastHeard = options.clock.now();
  }

  start(): void {
    this.#lastHeard = this.#options.clock.now();
    this.#stop ??= every(this.#options.clock, this.#options.keepaliveMs ?? 1_000, () => this.#beat());
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  /** `now`: the clock's time, when the caller has already read it. */
  heard(now = this.#options.clock.now()): void {
    this.#lastHeard = now;
  }

  /** A control frame from the peer. */
  receive(bytes: Uint8Array): void {
    this.heard();
    const quality = this.#options.quality;
    quality?.received(bytes.length, true);
    const control = readControl(bytes);
    if (control?.type === 'bye') this.#options.onGone();
    else if (control?.type === 'ping') {
      quality?.arrival(control.sentAt);
      this.#send(control.reply);
    } else if (control?.type === 'pong') {
      const rtt = Math.max(0, this.#options.clock.now() - control.sentAt);
      quality?.rtt(rtt);
      this.#options.onRtt(rtt);
    } else if (control?.type === 'report') quality?.peerReport(control.datagramsSent, control.lossOfYours);
  }

  #beat(): void {
    const now = this.#options.clock.now();
    if (now - this.#lastHeard > (this.#options.deadAfterMs ?? 4_000)) {
      this.#options.onGone();
      return;
    }
    this.#send(encodePing(now));
    const quality = this.#options.quality;
    if (!quality) return;
    // Counted before it is encoded: the report's number includes itself, as the peer counts it on arrival.
    quality.sent(7, true);
    this.#options.send(encodeReport(quality.datagramsSent, quality.snapshot().lossDown));
    quality.evaluate();
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
