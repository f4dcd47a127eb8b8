import { type Cancel, type Clock, every } from '../common/index.js';

/**
 * The link-level keepalive both real links speak on their control path: `[1, f64 time]` ping,
 * `[2, f64 time]` pong (the ping echoed), `[3]` goodbye.
 */
export const PING = 1;
export const PONG = 2;
export const BYE = 3;

export function encodePing(now: number): Uint8Array<ArrayBuffer> {
  const ping = new Uint8Array(9);
  ping[0] = PING;
  new DataView(ping.buffer).setFloat64(1, now);
  return ping;
}

export type ControlMessage =
  | { type: 'bye' }
  | { type: 'ping'; reply: Uint8Array<ArrayBuffer> }
  | { type: 'pong'; sentAt: number };

/** Reads a control frame; undefined for anything malformed (peer input). */
export function readControl(bytes: Uint8Array): ControlMessage | undefined {
  const type = bytes[0];
  if (type === BYE) return { type: 'bye' };
  if (bytes.length !== 9) return undefined;
  if (type === PING) {
    const reply = bytes.slice();
    reply[0] = PONG;
    return { type: 'ping', reply };
  }
  if (type === PONG)
    return { type: 'pong', sentAt: new DataView(bytes.buffer, bytes.byteOffset, 9).getFloat64(1) };
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

  heard(): void {
    this.#lastHeard = this.#options.clock.now();
  }

  /** A control frame from the peer. */
  receive(bytes: Uint8Array): void {
    this.heard();
    const control = readControl(bytes);
    if (control?.type === 'bye') this.#options.onGone();
    else if (control?.type === 'ping') this.#options.send(control.reply);
    else if (control?.type === 'pong')
      this.#options.onRtt(Math.max(0, this.#options.clock.now() - control.sentAt));
  }

  #beat(): void {
    const now = this.#options.clock.now();
    if (now - this.#lastHeard > (this.#options.deadAfterMs ?? 4_000)) {
      this.#options.onGone();
      return;
    }
    this.#options.send(encodePing(now));
  }
}

/** A received message as bytes: ArrayBuffer or any view; undefined for text or anything else. */
export function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
