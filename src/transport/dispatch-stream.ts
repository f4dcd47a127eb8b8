import type { Clock } from '../common/index.js';
import { DISPATCH_ACK, DISPATCH_DATA, readDispatchFrame } from './dispatch-frames.js';
import { type DispatchReceiveLimits, DispatchReceiver, type DispatchRefusal } from './dispatch-receiver.js';
import { DispatchSender } from './dispatch-sender.js';

export interface DispatchStreamOptions extends DispatchReceiveLimits {
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
 * timer when no ack comes (DispatchSender). The receiver delivers each number once, in order, holding
 * early ones within a bounded window, and drops duplicates (DispatchReceiver).
 */
export class DispatchStream {
  readonly #sender: DispatchSender;
  readonly #receiver: DispatchReceiver;
  readonly #refused: (reason: DispatchRefusal) => void;

  constructor(
    clock: Clock,
    write: (frame: Uint8Array) => boolean,
    deliver: (bytes: Uint8Array) => void,
    options: DispatchStreamOptions = {},
  ) {
    const { mayRetransmit, ...limits } = options;
    this.#sender = new DispatchSender({ clock, write, ...(mayRetransmit ? { mayRetransmit } : {}) });
    this.#receiver = new DispatchReceiver(clock, write, deliver, limits);
    this.#refused = limits.refused ?? (() => {});
  }

  /** Messages sent and not yet acked by the peer. */
  get unacked(): number {
    return this.#sender.unacked;
  }

  /** Bytes received out of order, held until the gap before them fills. */
  get heldBytes(): number {
    return this.#receiver.heldBytes;
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
      this.#refused('malformed'); // a number that does not read: dropped, like any bad peer input
      return;
    }
    if (read.type === DISPATCH_ACK) this.#sender.ack(read.seq);
    else if (read.type === DISPATCH_DATA) this.#receiver.receive(read.seq, read.payload);
    else this.#refused('malformed');
  }

  close(): void {
    this.#sender.close();
    this.#receiver.close();
  }
}
