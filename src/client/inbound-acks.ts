import type { Cancel, Clock } from '../common/index.js';
import { Inbox } from '../protocol/index.js';

export interface InboundAckOptions {
  /** Ack at once after this many unacked messages. Default 32. */
  ackEvery?: number | undefined;
  /** Otherwise ack this long (ms) after the first unacked one. Default 50. */
  ackDelayMs?: number | undefined;
}

/**
 * The client's side of the server's reliable stream: which sequenced messages arrived (each once), and
 * the acks that tell the server so: at once after `ackEvery` messages, else `ackDelayMs` after the first
 * unacked one, so a burst costs one ack and a lone message is acked soon.
 */
export class InboundAcks {
  #inbox = new Inbox();
  #cancelAck: Cancel | undefined;
  readonly #clock: Clock;
  readonly #options: InboundAckOptions;
  readonly #sendAck: (received: number) => void;

  constructor(clock: Clock, options: InboundAckOptions, sendAck: (received: number) => void) {
    this.#clock = clock;
    this.#options = options;
    this.#sendAck = sendAck;
  }

  /** The newest sequence number received (what a resume asks the server to continue after). */
  get received(): number {
    return this.#inbox.received;
  }

  /** True when `seq` is new (deliver it); a repeat is false and not acked again. */
  accept(seq: number): boolean {
    if (!this.#inbox.accept(seq)) return false;
    if (this.#inbox.unacked >= (this.#options.ackEvery ?? 32)) this.#flush();
    else this.#cancelAck ??= this.#scheduleFlush();
    return true;
  }

  /** Apart from `accept`: its closure there made V8 allocate a context for every message received. */
  #scheduleFlush(): Cancel {
    return this.#clock.setTimeout(() => this.#flush(), this.#options.ackDelayMs ?? 50);
  }

  /** Stops a pending ack (the socket is gone; the resume carries what was received). */
  stop(): void {
    this.#cancelAck?.();
    this.#cancelAck = undefined;
  }

  /** A new session: nothing received yet. */
  reset(): void {
    this.stop();
    this.#inbox = new Inbox();
  }

  #flush(): void {
    this.stop();
    if (this.#inbox.unacked === 0) return;
    this.#inbox.markAcked();
    this.#sendAck(this.#inbox.received);
  }
}
