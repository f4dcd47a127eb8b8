import type { Cancel, Clock } from '../common/index.js';
import { Outbox, readVarUint, varUintLength, writeVarUint } from '../protocol/index.js';

const DATA = 0x08;
const ACK = 0x06;
const ACK_EVERY = 16;
const ACK_DELAY_MS = 100;

/**
 * Keeps `dispatch` reliable across a change of path. Each path is reliable on its own (SCTP, the
 * session stream), but a direct path that dies silently swallows what was in flight until the death is
 * noticed. So dispatch messages carry a sequence number and are kept until the peer acks them; when the
 * path changes, the unacked ones are sent again on the new one. The receiver delivers each number once,
 * in order, waiting for gaps (a message can still arrive late over the slower path).
 */
export class DispatchStream {
  readonly #clock: Clock;
  readonly #write: (frame: Uint8Array) => boolean;
  readonly #deliver: (bytes: Uint8Array) => void;
  readonly #outbox = new Outbox({ maxMessages: 4_096, maxBytes: 4 * 1024 * 1024, overflow: 'refuse' });
  readonly #waiting = new Map<number, Uint8Array>();
  #nextExpected = 1;
  #unacked = 0;
  #cancelAck: Cancel | undefined;

  constructor(clock: Clock, write: (frame: Uint8Array) => boolean, deliver: (bytes: Uint8Array) => void) {
    this.#clock = clock;
    this.#write = write;
    this.#deliver = deliver;
  }

  /** False when too much is waiting for the peer's acks. */
  send(bytes: Uint8Array): boolean {
    const frame = this.#outbox.push(bytes, this.#clock.now());
    if (!frame) return false;
    frame[0] = DATA; // the Outbox frames with the protocol's reliable envelope; same layout, our marker
    // Kept until acked either way: a path that refused it now gets it again when the path changes.
    this.#tryWrite(frame);
    return true;
  }

  /**
   * The path changed: send everything not yet acked again, on the new path. A path that refuses (its own
   * buffer full: the session will be cut and resumed) stops the resend; what is left stays kept for the
   * next change of path. It never throws: it runs inside a state change, where nobody could catch it.
   */
  resend(): void {
    for (const frame of this.#outbox.replay(0, this.#clock.now())) {
      frame[0] = DATA;
      if (!this.#tryWrite(frame)) return;
    }
  }

  #tryWrite(frame: Uint8Array): boolean {
    try {
      return this.#write(frame);
    } catch {
      return false;
    }
  }

  receive(frame: Uint8Array): void {
    try {
      const { value, next } = readVarUint(frame, 1);
      if (frame[0] === ACK) this.#outbox.ack(Math.min(value, this.#outbox.lastSeq));
      else if (frame[0] === DATA) this.#receiveData(value, frame.subarray(next));
    } catch {
      // A malformed frame from the peer: dropped, like any bad peer input.
    }
  }

  close(): void {
    this.#cancelAck?.();
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
    const received = this.#nextExpected - 1;
    const ack = new Uint8Array(1 + varUintLength(received));
    ack[0] = ACK;
    writeVarUint(ack, 1, received);
    // From a timer, where a throw would end the process. An ack the path refuses is not lost for good:
    // the peer resends what it has not seen acked when the path changes, and duplicates are acked again.
    this.#tryWrite(ack);
  }
}
