import type { Cancel, Clock } from '../common/index.js';
import { DISPATCH_ACK, DISPATCH_DATA, encodeDispatchAck, readDispatchFrame } from './dispatch-frames.js';
import { DispatchSender } from './dispatch-sender.js';

const ACK_EVERY = 16;
const ACK_DELAY_MS = 100;

export interface DispatchStreamOptions {
  /**
   * Whether the path can deliver now; while it cannot, timed retransmissions wait (see DispatchSender).
   * Default: always.
   */
  mayRetransmit?(): boolean;
}

/**
 * Keeps `dispatch` reliable and in order whatever happens to the path under it. Each path is reliable
 * on its own (SCTP, the session stream), but not across everything: a direct path that dies silently
 * swallows what was in flight, a full session outbox refuses a frame, a session outbox that overflowed
 * while the player was away dropped frames (a resync). So dispatch messages carry a sequence number and
 * are kept until the peer acks them; they go again when the path changes, after a resume, and on a
 * timer when no ack comes (see DispatchSender). The receiver delivers each number once, in order, waiting
 * for gaps (a message can still arrive late over the slower path), and drops duplicates.
 */
export class DispatchStream {
  readonly #clock: Clock;
  readonly #write: (frame: Uint8Array) => boolean;
  readonly #deliver: (bytes: Uint8Array) => void;
  readonly #sender: DispatchSender;
  readonly #waiting = new Map<number, Uint8Array>();
  #nextExpected = 1;
  #unacked = 0;
  #cancelAck: Cancel | undefined;

  constructor(
    clock: Clock,
    write: (frame: Uint8Array) => boolean,
    deliver: (bytes: Uint8Array) => void,
    options: DispatchStreamOptions = {},
  ) {
    this.#clock = clock;
    this.#write = write;
    this.#deliver = deliver;
    this.#sender = new DispatchSender({
      clock,
      write,
      ...(options.mayRetransmit ? { mayRetransmit: options.mayRetransmit } : {}),
    });
  }

  /** Messages sent and not yet acked by the peer. */
  get unacked(): number {
    return this.#sender.unacked;
  }

  /**
   * Queues a message; false when too much is waiting for the peer's acks. A message the path refuses
   * now is kept and goes later, in order.
   */
  send(bytes: Uint8Array): boolean {
    return this.#sender.send(bytes);
  }

  /**
   * Sends everything not yet acked again: the path changed, or dropped frames. It never throws: it runs
   * inside state changes, where nobody could catch it.
   */
  resend(): void {
    this.#sender.resend();
  }

  /** Writes what the path refused so far: it takes frames again (a resume). */
  flush(): void {
    this.#sender.flush();
  }

  receive(frame: Uint8Array): void {
    let read: ReturnType<typeof readDispatchFrame>;
    try {
      read = readDispatchFrame(frame);
    } catch {
      return; // a malformed frame from the peer: dropped, like any bad peer input
    }
    if (read.type === DISPATCH_ACK) this.#sender.ack(read.seq);
    else if (read.type === DISPATCH_DATA) this.#receiveData(read.seq, read.payload);
  }

  close(): void {
    this.#sender.close();
    this.#cancelAck?.();
    this.#cancelAck = undefined;
  }

  #receiveData(seq: number, payload: Uint8Array): void {
    if (seq >= this.#nextExpected && !this.#waiting.has(seq) && this.#waiting.size < 4_096) {
      this.#waiting.set(seq, payload);
    }
    for (
      let next = this.#waiting.get(this.#nextExpected);
      next;
      next = this.#waiting.get(this.#nextExpected)
    ) {
      this.#waiting.delete(this.#nextExpected++);
      this.#deliver(next);
    }
    // Duplicates are acked too: the peer resent because our earlier ack went down with a path.
    if (++this.#unacked >= ACK_EVERY) this.#flushAck();
    else this.#cancelAck ??= this.#ackLater();
  }

  /** Apart from `#receiveData`: its closure there made V8 allocate a context for every message. */
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
      this.#write(encodeDispatchAck(this.#nextExpected - 1));
    } catch {
      // refused: see above
    }
  }
}
