import type { Cancel, Clock } from '../common/index.js';
import { encodeDispatchAck } from './dispatch-frames.js';

const ACK_EVERY = 16;
const ACK_DELAY_MS = 100;

/**
 * Why a stream would not take a frame: a message too large, one beyond the receive window, or a frame
 * that is none of the stream's (no data or ack marker, or a number that does not read).
 */
export type DispatchRefusal = 'too-large' | 'window' | 'malformed';

export interface DispatchReceiveLimits {
  /**
   * Largest message delivered (bytes). A larger one is counted and skipped in its turn: its number is
   * taken, so the stream goes on. Default: no limit.
   */
  maxMessageBytes?: number;
  /**
   * How far past the next expected number a frame is held, waiting for the gap before it to fill.
   * Further ones are dropped (the sender sends them again once the gap is acked). Default 256.
   */
  windowMessages?: number;
  /** Bytes held out of order at most; past that, frames are dropped likewise. Default 256 KiB. */
  windowBytes?: number;
  /** A frame refused (too large, outside the window, malformed): for the owner's metrics. */
  refused?(reason: DispatchRefusal): void;
}

/**
 * The receiving half of a DispatchStream: delivers each number once, in order, holding early frames
 * until the gap before them fills (a message can arrive late over the slower path), and acks what it
 * has. What it holds is bounded, by count and bytes, so a peer that never sends the next number can make
 * it hold no more than the window; each frame is checked for size before it is held.
 */
export class DispatchReceiver {
  readonly #clock: Clock;
  readonly #epoch: number;
  readonly #writeAck: (frame: Uint8Array) => boolean;
  readonly #deliver: (bytes: Uint8Array) => void;
  readonly #maxMessageBytes: number;
  readonly #windowMessages: number;
  readonly #windowBytes: number;
  readonly #refused: (reason: DispatchRefusal) => void;
  /** Frames that came early, by number; null for a skipped one (too large: nothing held). */
  readonly #early = new Map<number, Uint8Array | null>();
  #earlyBytes = 0;
  #nextExpected = 1;
  #unacked = 0;
  #cancelAck: Cancel | undefined;

  /** `epoch`: the stream it takes, named in its acks. */
  constructor(
    clock: Clock,
    epoch: number,
    writeAck: (frame: Uint8Array) => boolean,
    deliver: (bytes: Uint8Array) => void,
    limits: DispatchReceiveLimits = {},
  ) {
    this.#clock = clock;
    this.#epoch = epoch;
    this.#writeAck = writeAck;
    this.#deliver = deliver;
    this.#maxMessageBytes = limits.maxMessageBytes ?? Number.POSITIVE_INFINITY;
    this.#windowMessages = limits.windowMessages ?? 256;
    this.#windowBytes = limits.windowBytes ?? 256 * 1024;
    this.#refused = limits.refused ?? (() => {});
  }

  /** Bytes held out of order, waiting for a gap to fill. */
  get heldBytes(): number {
    return this.#earlyBytes;
  }

  receive(seq: number, payload: Uint8Array): void {
    if (seq >= this.#nextExpected && !this.#early.has(seq)) this.#take(seq, payload);
    // Duplicates and refused frames are acked too: the peer learns where we are and sends the rest.
    if (++this.#unacked >= ACK_EVERY) this.#flushAck();
    else this.#cancelAck ??= this.#ackLater();
  }

  /**
   * Acks again, now, what it has: the acks it sent by a path that died (or a session outbox that dropped
   * frames) may be lost, and a sender that already sent its burst waits for one to send the rest.
   */
  ackAgain(): void {
    this.#flushAck();
  }

  close(): void {
    this.#cancelAck?.();
    this.#cancelAck = undefined;
  }

  #take(seq: number, payload: Uint8Array): void {
    if (seq - this.#nextExpected >= this.#windowMessages) {
      this.#refused('window');
      return;
    }
    const tooLarge = payload.length > this.#maxMessageBytes;
    if (tooLarge) this.#refused('too-large');
    if (seq === this.#nextExpected) {
      this.#nextExpected++;
      if (!tooLarge) this.#deliver(payload);
      this.#deliverEarly();
    } else if (tooLarge) {
      this.#early.set(seq, null);
    } else if (this.#earlyBytes + payload.length > this.#windowBytes) {
      this.#refused('window');
    } else {
      // A copy: the payload is a view into the transport's frame (a WebSocket frame may hold a batch of
      // 64), which would stay alive behind it and make the count of bytes held a fiction.
      this.#early.set(seq, payload.slice());
      this.#earlyBytes += payload.length;
    }
  }

  #deliverEarly(): void {
    for (let next = this.#early.get(this.#nextExpected); next !== undefined; ) {
      this.#early.delete(this.#nextExpected++);
      if (next !== null) {
        this.#earlyBytes -= next.length;
        this.#deliver(next);
      }
      next = this.#early.get(this.#nextExpected);
    }
  }

  /** Apart from `receive`: its closure there made V8 allocate a context for every message. */
  #ackLater(): Cancel {
    return this.#clock.setTimeout(() => this.#flushAck(), ACK_DELAY_MS);
  }

  #flushAck(): void {
    this.#cancelAck?.();
    this.#cancelAck = undefined;
    this.#unacked = 0;
    // From a timer, where a throw would end the process. An ack the path refuses is not lost for good:
    // the peer sends again what it has not seen acked, and duplicates are acked again.
    try {
      this.#writeAck(encodeDispatchAck(this.#epoch, this.#nextExpected - 1));
    } catch {
      // refused: see above
    }
  }
}
