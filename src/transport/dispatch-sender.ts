import type { Cancel, Clock } from '../common/index.js';
import { dispatchDataLength, encodeDispatchData } from './dispatch-frames.js';

/** Unacked messages held at most, and their bytes (framed): past either, `send` refuses. */
const MAX_MESSAGES = 4_096;
const MAX_BYTES = 4 * 1024 * 1024;
/**
 * No ack progress for this long (ms): the unacked frames go again, and the wait doubles each time up to
 * MAX_RETRANSMIT_MS. The receiver acks within 100 ms, so a second means the frames (or the acks) were
 * lost: refused by a full session outbox, dropped with a resync, or swallowed by a path that died.
 */
const FIRST_RETRANSMIT_MS = 1_000;
const MAX_RETRANSMIT_MS = 8_000;
/**
 * Frames sent again at once: a retransmission sends this many, then as many more each time an ack shows
 * progress, so a long backlog is paced by the receiver rather than dumped on a path that just came back.
 */
const RESEND_BURST = 64;

export interface DispatchSenderOptions {
  clock: Clock;
  /** The epoch this stream's frames carry (0-255; see StreamFollower). Default 0. */
  epoch?: number;
  /** Hands a frame to the path; false when the path refused it (it is written again later). */
  write(frame: Uint8Array): boolean;
  /**
   * Whether the path can deliver now. While it cannot (the session's socket is down), timed
   * retransmissions wait: they would only queue duplicates for the session to replay. The timer stops
   * then, until the owner says the path is back (`flush`, `resend`) or an ack comes.
   */
  mayRetransmit?(): boolean;
}

/**
 * The sending half of a DispatchStream: numbers each message, keeps it until the peer acks it, and sends
 * it again when it may have been lost. Frames go out in order: one the path refused (a full session
 * outbox) holds back those after it, and goes again with them at the next send, ack, resume or timer.
 */
export class DispatchSender {
  readonly #clock: Clock;
  readonly #write: (frame: Uint8Array) => boolean;
  readonly #mayRetransmit: () => boolean;
  readonly #epoch: number;
  #everAcked = false;
  /** Unacked frames, oldest (`#firstSeq`) first, from `#head` on: acks drop from the front. */
  #frames: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #firstSeq = 1;
  #lastSeq = 0;
  /** The next frame to write: those before it went out (in this round, after a retransmission). */
  #next = 1;
  /** The highest frame ever written: above it, first transmissions; at or below, retransmissions. */
  #written = 0;
  /** Retransmissions left before the next ack (or round) allows more. */
  #burstLeft = RESEND_BURST;
  /** Set while `#pump` runs: a write can call back in (an ack, a send), and the running loop goes on. */
  #pumping = false;
  /** Closed: no timer any more, whatever is called after (`flush` and `resend` arm one otherwise). */
  #closed = false;
  #retransmitMs = FIRST_RETRANSMIT_MS;
  /** When the peer last acked something new (or the oldest unacked frame was sent). */
  #progressAt = 0;
  #cancelTimer: Cancel | undefined;
  /** Made once: the timer is set again and again. */
  readonly #onTimer = () => this.#retransmitIfStalled();

  constructor(options: DispatchSenderOptions) {
    this.#clock = options.clock;
    this.#write = options.write;
    this.#mayRetransmit = options.mayRetransmit ?? (() => true);
    this.#epoch = options.epoch ?? 0;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Whether the peer ever acked anything of this stream: a link of its takes it. */
  get everAcked(): boolean {
    return this.#everAcked;
  }

  /** Messages not yet acked by the peer. */
  get unacked(): number {
    return this.#lastSeq - this.#firstSeq + 1;
  }

  /** False when too much is waiting for the peer's acks. */
  send(payload: Uint8Array): boolean {
    if (this.unacked >= MAX_MESSAGES) return false;
    // Framed, as `#bytes` counts what is held: the payload alone let the cap pass by a header a message.
    const seq = this.#lastSeq + 1;
    if (this.#bytes + dispatchDataLength(seq, payload.length) > MAX_BYTES) return false;
    if (this.unacked === 0) this.#progressAt = this.#clock.now();
    this.#lastSeq = seq;
    const frame = encodeDispatchData(this.#epoch, seq, payload);
    this.#frames.push(frame);
    this.#bytes += frame.length;
    this.#pump();
    this.#arm();
    return true;
  }

  /**
   * The peer has every message up to `seq` of stream `epoch`. An ack of another stream is dropped: it
   * was meant for a link this one replaced (its numbers are not ours).
   */
  ack(epoch: number, seq: number): void {
    if (epoch !== this.#epoch) return;
    this.#everAcked = true;
    const upTo = Math.min(seq, this.#lastSeq);
    if (upTo < this.#firstSeq) return;
    while (this.#firstSeq <= upTo) this.#dropOldest();
    this.#next = Math.max(this.#next, this.#firstSeq);
    this.#retransmitMs = FIRST_RETRANSMIT_MS;
    this.#progressAt = this.#clock.now();
    // Ack-clocked: a retransmission in progress goes on, and refused frames get another chance.
    this.#burstLeft = RESEND_BURST;
    this.#pump();
    if (this.unacked === 0) this.#stopTimer();
    else this.#arm();
  }

  /**
   * Sends every unacked frame again (what a path that changed or dropped frames held may be lost). The
   * wait for an ack starts afresh at FIRST_RETRANSMIT_MS: the backoff measured the old path's silence
   * (up to 8 s after a direct path died unnoticed for a few seconds), not the new one's.
   */
  resend(): void {
    this.#goBack();
    this.#retransmitMs = FIRST_RETRANSMIT_MS;
    this.#progressAt = this.#clock.now();
    this.#pump();
    // The timer set for the old wait may be due later than the new one.
    this.#stopTimer();
    this.#arm();
  }

  /** Writes what the path refused before (it takes frames again: a resume). */
  flush(): void {
    this.#pump();
    // The timer stopped while the path could not deliver: the wait for an ack starts again now.
    if (this.#cancelTimer === undefined) this.#progressAt = this.#clock.now();
    this.#arm();
  }

  close(): void {
    this.#closed = true;
    this.#stopTimer();
  }

  /**
   * Writes from `#next` on, in order, until the path refuses one or RESEND_BURST retransmissions went. It
   * never throws: it runs from timers and state changes, where nobody could catch it.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#next <= this.#lastSeq) {
        const seq = this.#next;
        const again = seq <= this.#written;
        if (again && this.#burstLeft <= 0) return;
        if (!this.#tryWrite(this.#frames[this.#head + seq - this.#firstSeq] as Uint8Array)) return;
        if (again) this.#burstLeft--;
        else this.#written = seq;
        // An ack that came back during the write may have moved `#next` past `seq` already.
        this.#next = Math.max(this.#next, seq + 1);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** A new round of retransmission: from the oldest unacked frame, a fresh burst. */
  #goBack(): void {
    this.#next = this.#firstSeq;
    this.#burstLeft = RESEND_BURST;
  }

  #tryWrite(frame: Uint8Array): boolean {
    try {
      return this.#write(frame);
    } catch {
      return false;
    }
  }

  #retransmitIfStalled(): void {
    this.#cancelTimer = undefined;
    if (this.unacked === 0) return;
    const now = this.#clock.now();
    if (now - this.#progressAt >= this.#retransmitMs) {
      const may = this.#mayRetransmit();
      if (may) {
        this.#goBack();
        this.#retransmitMs = Math.min(this.#retransmitMs * 2, MAX_RETRANSMIT_MS);
      }
      this.#progressAt = now;
      this.#pump();
      // The path cannot deliver: no timer until the owner says it is back (`flush`, `resend`). Armed
      // again meanwhile, it fired for ever, every second, in a closed client that had a message unacked
      // (sent after `close()`, kept for the next `connect()`), keeping the process alive.
      if (!may) return;
    }
    this.#arm();
  }

  /** One timer while anything is unacked, due when the wait since the last progress is up. */
  #arm(): void {
    if (this.#cancelTimer !== undefined || this.unacked === 0 || this.#closed) return;
    const due = this.#progressAt + this.#retransmitMs - this.#clock.now();
    this.#cancelTimer = this.#clock.setTimeout(this.#onTimer, Math.max(0, due));
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #dropOldest(): void {
    const oldest = this.#frames[this.#head];
    this.#frames[this.#head] = EMPTY; // let it be collected
    this.#head++;
    this.#firstSeq++;
    this.#bytes -= oldest?.length ?? 0;
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
