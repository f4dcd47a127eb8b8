/**
 * A client of the wire protocol written from docs/protocol.md alone, as a studio writing one in C#, Godot
 * or Rust would: it imports nothing of the library (only `ws`, `@msgpack/msgpack` and Node), so every
 * frame it sends or reads is built by hand from the document. test/integration/foreign-client.test.ts runs
 * it against the real server.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { expect } from 'vitest';
import WebSocket from 'ws';

/** Frame kinds, from the "Message kinds" table. */
export const K = {
  Hello: 0x01,
  Welcome: 0x02,
  Error: 0x03,
  Ping: 0x04,
  Pong: 0x05,
  Ack: 0x06,
  Bye: 0x07,
  Reliable: 0x08,
  Expiring: 0x09,
  CreateRoom: 0x21,
  JoinRoom: 0x22,
  LeaveRoom: 0x25,
  ClientRoomMessage: 0x26,
  DataToPeer: 0x28,
  DatagramToServer: 0x2a,
  DataToPeers: 0x2e,
  Response: 0x30,
  MemberJoined: 0x31,
  MemberLeft: 0x32,
  ServerRoomMessage: 0x37,
  DataFromPeer: 0x39,
  DatagramFromServer: 0x3b,
  RoomReply: 0x3e,
} as const;

/** Close codes: 4000 + the code's row in the "Error codes" table. */
export const CLOSE = {
  TOO_MANY_ERRORS: 4005,
  PROTOCOL_VERSION_MISMATCH: 4006,
  HELLO_REQUIRED: 4007,
  SESSION_EXPIRED: 4011,
} as const;

export const PROTOCOL_VERSION = 5;

// "fields that are `undefined` are left out, not sent as nil"
export const encoder = new Encoder({ ignoreUndefined: true });
export const decoder = new Decoder();

export type Body = Record<string, unknown>;
export interface Frame {
  kind: number;
  envelope: 'bare' | 'reliable' | 'expiring';
  seq?: number;
  ttlMs?: number;
  body: Body;
}

/** Unsigned LEB128, as "Frame layout" spells it. */
export function writeVaruint(value: number, out: number[]): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

export function readVaruint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let index = 0; index < 8; index++) {
    const byte = bytes[at + index];
    if (byte === undefined) throw new Error('truncated varuint');
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, at + index + 1];
    scale *= 0x80;
  }
  throw new Error('varuint over 8 bytes');
}

/** A bare frame, or a reliable one (`seq`), or an expiring one (`seq` and `ttlMs`). */
export function encodeFrame(kind: number, body: Body, seq?: number, ttlMs?: number): Uint8Array {
  const head: number[] = [];
  if (seq !== undefined) {
    head.push(ttlMs === undefined ? K.Reliable : K.Expiring);
    writeVaruint(seq, head);
    if (ttlMs !== undefined) writeVaruint(ttlMs, head);
  }
  head.push(kind);
  const encoded = encoder.encode(body);
  const frame = new Uint8Array(head.length + encoded.length);
  frame.set(head);
  frame.set(encoded, head.length);
  return frame;
}

export function decodeFrame(bytes: Uint8Array): Frame {
  const first = bytes[0];
  if (first === K.Reliable || first === K.Expiring) {
    const [seq, afterSeq] = readVaruint(bytes, 1);
    let at = afterSeq;
    let ttlMs: number | undefined;
    if (first === K.Expiring) [ttlMs, at] = readVaruint(bytes, at);
    const kind = bytes[at]!;
    const body = decoder.decode(bytes.subarray(at + 1)) as Body;
    return first === K.Reliable
      ? { kind, envelope: 'reliable', seq, body }
      : { kind, envelope: 'expiring', seq, ttlMs: ttlMs!, body };
  }
  return { kind: first!, envelope: 'bare', body: decoder.decode(bytes.subarray(1)) as Body };
}

/** What "Handshake" step 1 answers. */
export interface GuestToken {
  token: string;
  userId: string;
  name: string;
  expiresAt: number;
}

export async function guestToken(httpUrl: string, name: string): Promise<GuestToken> {
  const response = await fetch(new URL('/auth/guest', httpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as GuestToken;
}

/**
 * One WebSocket speaking the protocol: numbers what it sends reliably, delivers sequenced frames at most
 * once in rising order, acks as "Cumulative acks" says (32 new, or 50 ms after the first unacked), and
 * answers pings. Each behaviour can be turned off, to see what the server does without it.
 */
export class ForeignClient {
  readonly frames: Frame[] = [];
  readonly sentAcks: number[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  closed: { code: number; reason: string } | undefined;
  answerPings = true;
  autoAck = true;
  /** Highest sequence number delivered (the Inbox). */
  received = 0;
  /** Last number this client gave a reliable message (its Outbox). */
  sent = 0;
  /** Unacked reliable frames, kept for a replay after a resume. */
  readonly unacked = new Map<number, Uint8Array>();
  #ackedUpTo = 0;
  #ackTimer: NodeJS.Timeout | undefined;
  #nextRid = 1;
  #waiters: (() => void)[] = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(true); // "All frames are binary WebSocket messages."
      this.#receive(decodeFrame(new Uint8Array(data)));
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      clearTimeout(this.#ackTimer);
      this.#wake();
    });
  }

  static async connect(wsUrl: string, token: string): Promise<ForeignClient> {
    // "?token=... (browsers cannot set headers on a WebSocket)"
    const client = new ForeignClient(`${wsUrl}?token=${encodeURIComponent(token)}`);
    await client.opened;
    return client;
  }

  #receive(frame: Frame): void {
    if (frame.seq !== undefined) {
      // "anything at or below it is a duplicate ... dropped silently"
      if (frame.seq <= this.received) return;
      this.received = frame.seq;
      if (this.autoAck) this.#scheduleAck();
    }
    if (frame.kind === K.Ack) {
      for (const seq of this.unacked.keys()) if (seq <= (frame.body.ack as number)) this.unacked.delete(seq);
    }
    if (frame.kind === K.Ping && this.answerPings) {
      this.sendBare(K.Pong, {
        id: frame.body.id,
        t: frame.body.t,
        rt: performance.timeOrigin + performance.now(),
      });
    }
    this.frames.push(frame);
    this.#wake();
  }

  #scheduleAck(): void {
    if (this.received - this.#ackedUpTo >= 32) this.ack();
    else this.#ackTimer ??= setTimeout(() => this.ack(), 50);
  }

  /** Sends `Ack {ack: highest received}` now. */
  ack(upTo = this.received): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#ackedUpTo = upTo;
    this.sentAcks.push(upTo);
    this.sendBare(K.Ack, { ack: upTo });
  }

  sendBare(kind: number, body: Body): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(encodeFrame(kind, body));
  }

  sendReliable(kind: number, body: Body): number {
    return this.sendSequenced(kind, body);
  }

  /** A reliable frame, or an expiring one with `ttlMs`: both take the next number of the one sequence. */
  sendSequenced(kind: number, body: Body, ttlMs?: number): number {
    const seq = ++this.sent;
    const frame = encodeFrame(kind, body, seq, ttlMs);
    this.unacked.set(seq, frame);
    this.socket.send(frame);
    return seq;
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** The first frame received (from `from` on) that `match` accepts. */
  async waitFor(match: (frame: Frame) => boolean, what: string, from = 0, timeoutMs = 3_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`closed (${this.closed.code}) waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 3_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the close');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.closed;
  }

  async hello(extra: Body = {}): Promise<Body> {
    this.sendBare(K.Hello, { v: PROTOCOL_VERSION, ...extra });
    const answer = await this.waitFor((f) => f.kind === K.Welcome || f.kind === K.Error, 'welcome');
    if (answer.kind === K.Error) throw Object.assign(new Error(String(answer.body.message)), answer.body);
    return answer.body;
  }

  /** A request (`rid`) sent reliable, and its one `Response`. */
  async request(kind: number, body: Body): Promise<Body> {
    const rid = this.#nextRid++;
    const from = this.frames.length;
    this.sendReliable(kind, { rid, ...body });
    const response = await this.waitFor(
      (f) => f.kind === K.Response && f.body.rid === rid,
      `response ${rid}`,
      from,
    );
    return response.body;
  }

  close(code = 1000): void {
    clearTimeout(this.#ackTimer);
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)
      this.socket.close(code);
  }
}

/** A session opened from scratch: guest token, socket, hello, welcome. */
export async function session(httpUrl: string, wsUrl: string, name: string) {
  const guest = await guestToken(httpUrl, name);
  const client = await ForeignClient.connect(wsUrl, guest.token);
  const welcome = await client.hello();
  return { guest, client, welcome };
}

/**
 * The `dispatch` stream's frames ("The `dispatch` stream"): `[0x08][epoch u8][seq varuint][payload]` is
 * message `seq` of the sender's stream `epoch`; `[0x06][epoch u8][seq varuint]` acks every message up to
 * `seq` of the receiver's stream `epoch`.
 */
export const DISPATCH_DATA = 0x08;
export const DISPATCH_ACK = 0x06;

export function dispatchData(epoch: number, seq: number, payload: Uint8Array): Uint8Array {
  const head = [DISPATCH_DATA, epoch];
  writeVaruint(seq, head);
  const frame = new Uint8Array(head.length + payload.length);
  frame.set(head);
  frame.set(payload, head.length);
  return frame;
}

export function dispatchAck(epoch: number, seq: number): Uint8Array {
  const head = [DISPATCH_ACK, epoch];
  writeVaruint(seq, head);
  return Uint8Array.from(head);
}

export type DispatchFrame =
  | { type: 'data'; epoch: number; seq: number; payload: Uint8Array }
  | { type: 'ack'; epoch: number; seq: number };

export function readDispatch(bytes: Uint8Array): DispatchFrame {
  const marker = bytes[0];
  const epoch = bytes[1];
  if (epoch === undefined || (marker !== DISPATCH_DATA && marker !== DISPATCH_ACK))
    throw new Error(`no dispatch frame: ${Buffer.from(bytes).toString('hex')}`);
  const [seq, next] = readVaruint(bytes, 2);
  if (marker === DISPATCH_ACK) return { type: 'ack', epoch, seq };
  return { type: 'data', epoch, seq, payload: bytes.subarray(next) };
}
