import type { Clock } from '../common/index.js';
import { DISPATCH_ACK, DISPATCH_DATA, readDispatchFrame } from './dispatch-frames.js';
import { type DispatchReceiveLimits, DispatchReceiver, type DispatchRefusal } from './dispatch-receiver.js';
import { DispatchSender } from './dispatch-sender.js';
import { StreamFollower } from './stream-follower.js';

export interface DispatchStreamOptions extends DispatchReceiveLimits {
  /**
   * Whether the path can deliver now; while it cannot, timed retransmissions wait (see DispatchSender).
   * Default: always.
   */
  mayRetransmit?(): boolean;
  /** The epoch of this end's stream (0-255), named in its data frames. Default 0. */
  epoch?: number;
  /**
   * The newest epoch of the peer's streams that a stream before this one took (see StreamFollower): its
   * frames, and older ones, still on their way, are dropped. Default: none.
   */
  retiredPeerEpoch?: number;
  /**
   * A data frame of `retiredPeerEpoch` arrived: the peer goes on sending the stream that a link before
   * this one took, so it never heard that link's goodbye. Called for each such frame.
   */
  retiredHeard?(epoch: number): void;
}

/**
 * Keeps `dispatch` reliable and in order whatever happens to the path under it. Each path is reliable
 * on its own (SCTP, the session stream), but not across everything: a direct path that dies silently
 * swallows what was in flight, a full session outbox refuses a frame, a session outbox that overflowed
 * while the player was away dropped frames (a resync). So dispatch messages carry a sequence number and
 * are kept until the peer acks them; they go again when the path changes, after a resume, and on a
 * timer when no ack comes (DispatchSender). Acks are lost the same ways, so they go again on a change
 * too. The receiver delivers each number once, in order, holding early ones within a bounded window, and
 * drops duplicates (DispatchReceiver). Frames and acks name the epoch of the stream they belong to: one
 * end follows one stream of the other's at a time, starting over on a newer one and dropping older ones
 * (StreamFollower), and takes acks of its own stream only.
 */
export class DispatchStream {
  readonly #clock: Clock;
  readonly #write: (frame: Uint8Array) => boolean;
  readonly #deliver: (bytes: Uint8Array) => void;
  readonly #limits: DispatchReceiveLimits;
  readonly #sender: DispatchSender;
  readonly #follower: StreamFollower;
  readonly #retiredPeerEpoch: number | undefined;
  readonly #retiredHeard: ((epoch: number) => void) | undefined;
  /** Made for the first stream of the peer's it takes, and again for each newer one. */
  #receiver: DispatchReceiver | undefined;
  readonly #refused: (reason: DispatchRefusal) => void;

  constructor(
    clock: Clock,
    write: (frame: Uint8Array) => boolean,
    deliver: (bytes: Uint8Array) => void,
    options: DispatchStreamOptions = {},
  ) {
    const { mayRetransmit, epoch, retiredPeerEpoch, retiredHeard, ...limits } = options;
    this.#clock = clock;
    this.#write = write;
    this.#deliver = deliver;
    this.#limits = limits;
    this.#sender = new DispatchSender({
      clock,
      write,
      ...(epoch === undefined ? {} : { epoch }),
      ...(mayRetransmit ? { mayRetransmit } : {}),
    });
    this.#follower = new StreamFollower(retiredPeerEpoch);
    this.#retiredPeerEpoch = retiredPeerEpoch;
    this.#retiredHeard = retiredHeard;
    this.#refused = limits.refused ?? (() => {});
  }

  /** The epoch of this end's stream. */
  get epoch(): number {
    return this.#sender.epoch;
  }

  /** The epoch of the peer's stream taken now; undefined before any frame of the peer's was taken. */
  get followedEpoch(): number | undefined {
    return this.#follower.followed;
  }

  /** Whether the peer ever acked anything of this end's stream: a stream of its takes this one. */
  get peerTookOurs(): boolean {
    return this.#sender.everAcked;
  }

  /** Messages sent and not yet acked by the peer. */
  get unacked(): number {
    return this.#sender.unacked;
  }

  /** Bytes received out of order, held until the gap before them fills. */
  get heldBytes(): number {
    return this.#receiver?.heldBytes ?? 0;
  }

  /**
   * Queues a message; false when too much is waiting for the peer's acks. A message the path refuses
   * now is kept and goes later, in order.
   */
  send(bytes: Uint8Array): boolean {
    return this.#sender.send(bytes);
  }

  /**
   * Sends everything not yet acked again, and acks again what it has received: the path changed, or
   * dropped frames, and acks go the same way as data. The peer's sender, its burst sent and its acks lost
   * with the old path, would otherwise wait out its backoff (up to 8 s) to send the rest. It never
   * throws: it runs inside state changes, where nobody could catch it.
   */
  resend(): void {
    this.#sender.resend();
    this.#receiver?.ackAgain();
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
    if (read.type === DISPATCH_ACK) this.#sender.ack(read.epoch, read.seq);
    else if (read.type === DISPATCH_DATA) this.#receiveData(read.epoch, read.seq, read.payload);
    else this.#refused('malformed');
  }

  close(): void {
    this.#sender.close();
    this.#receiver?.close();
  }

  /**
   * A frame of a stream older than the one followed (sent by a link the peer has since replaced) is
   * dropped unacked: an ack would name a stream no link of the peer's sends any more. One of the retired
   * stream is reported (`retiredHeard`): the peer's link missed our closed link's goodbye.
   *
   * A newer stream of the peer's is followed from its start, and this end's own stream goes on: the
   * peer's link sending it may still be the one that takes ours (a link of ours that took nothing retires
   * nothing, and its successor takes the peer's stream as it is). Restarting ours here would have two such
   * links restart each other's streams for as long as both send, losing what each had not yet sent. A
   * peer's link that does drop ours as a retired stream says our closed link's goodbye again
   * (`retiredHeard`), which closes this link; the next one starts afresh.
   */
  #receiveData(epoch: number, seq: number, payload: Uint8Array): void {
    const verdict = this.#follower.follow(epoch);
    if (verdict === 'drop') {
      if (epoch === this.#retiredPeerEpoch) this.#retiredHeard?.(epoch);
      return;
    }
    if (verdict === 'restart' || this.#receiver === undefined) {
      this.#receiver?.close();
      this.#receiver = new DispatchReceiver(this.#clock, epoch, this.#write, this.#deliver, this.#limits);
    }
    this.#receiver.receive(seq, payload);
  }
}
