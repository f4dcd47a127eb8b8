import { ErrorCode } from './error-codes.js';
import { wrapExpiring, wrapReliable } from './frame-codec.js';
import { ProtocolError } from './protocol-error.js';
import { MAX_TTL_MS } from './send-options.js';

/**
 * The sending half of a session's sequenced stream (reliable and expiring classes share one sequence).
 * Entries stay until the peer acks them, so that a reconnect can replay exactly what was missed.
 * Pure: the caller supplies the time and does the I/O.
 */
export interface OutboxLimits {
  /** Most unacked messages held. */
  maxMessages: number;
  /** Most unacked bytes held. */
  maxBytes: number;
  /**
   * What to do when a push would exceed a limit. `drop-oldest` (server): keep the newest, remember that
   * the stream has a hole so that the next resume forces a resync. `refuse` (client): keep order intact
   * and reject the new message.
   */
  overflow: 'drop-oldest' | 'refuse';
  /**
   * Room held back beyond the limits for what must not be refused (the client's goodbyes and answers):
   * only a `hasRoomFor` check given a share of it may count it, and a push is refused past it. Default none.
   */
  reserve?: OutboxRoom;
}

/** Room in an outbox, or past its limits: messages and their bytes. */
export interface OutboxRoom {
  messages: number;
  bytes: number;
}

const NO_SHARE: OutboxRoom = { messages: 0, bytes: 0 };

interface Entry {
  /** Changed only by `continueAfter`, before the entry was ever sent. */
  seq: number;
  inner: Uint8Array;
  /** Absolute expiry for the expiring class; undefined for reliable. */
  deadline: number | undefined;
}

export class Outbox {
  readonly #limits: OutboxLimits;
  // A queue with a moving head: acks drop from the front without copying the array each time.
  #entries: Entry[] = [];
  #head = 0;
  #bytes = 0;
  #lastSeq = 0;
  #acked = 0;
  #hole = false;
  #expiring = 0;
  /** Earliest deadline among queued expiring entries, so pruning costs nothing until one is due. */
  #nextDeadline = Number.POSITIVE_INFINITY;

  constructor(limits: OutboxLimits) {
    this.#limits = limits;
  }

  /** Highest sequence number handed out so far. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The newest sequence number the peer acked (never above `lastSeq`). */
  get acked(): number {
    return this.#acked;
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** True once an overflow has dropped unacked messages; cleared by `clearHole()` after a resync. */
  get hasHole(): boolean {
    return this.#hole;
  }

  clearHole(): void {
    this.#hole = false;
  }

  /**
   * Queues an encoded inner message and returns the framed bytes to send now, or undefined when the
   * outbox refused it. `ttlMs` makes it expiring; it is held to MAX_TTL_MS, the longest life any message
   * is given (what a relayed DataToPeer's envelope says is the sender's word: any varuint, up to 2^53 - 1).
   */
  push(inner: Uint8Array, now: number, ttlMs?: number): Uint8Array | undefined {
    // Past 2^53 - now a deadline is no whole number: what remains of it could round up to 2^53, which no
    // varuint holds, and the replay that writes it would throw (out of the receiver's resume).
    const life = ttlMs === undefined ? undefined : Math.min(ttlMs, MAX_TTL_MS);
    this.#pruneExpired(now);
    if (this.#wouldExceed(inner.length)) {
      if (this.#limits.overflow === 'refuse') return undefined;
      while (this.size > 0 && this.#wouldExceed(inner.length)) this.#dropOldest();
      this.#hole = true;
    }
    const seq = ++this.#lastSeq;
    const deadline = life === undefined ? undefined : now + life;
    this.#entries.push({ seq, inner, deadline });
    this.#bytes += inner.length;
    if (deadline !== undefined) {
      this.#expiring++;
      this.#nextDeadline = Math.min(this.#nextDeadline, deadline);
    }
    return life === undefined ? wrapReliable(seq, inner) : wrapExpiring(seq, life, inner);
  }

  /** The peer has everything up to and including `seq`. */
  ack(seq: number): void {
    // A peer cannot have more than was numbered: an ack past it must not widen what the sender may number.
    this.#acked = Math.max(this.#acked, Math.min(seq, this.#lastSeq));
    while (this.#head < this.#entries.length && (this.#entries[this.#head]?.seq ?? Infinity) <= seq) {
      this.#dropOldest();
    }
  }

  /**
   * Frames to resend after a reconnect, in order: every unacked reliable message and every expiring one
   * still within its TTL (sent with what remains of it). Expired ones are dropped here for good.
   * `keep`: which of them to resend (the others are left out, their numbers gaps to the peer).
   */
  replay(peerAck: number, now: number, keep: (inner: Uint8Array) => boolean = () => true): Uint8Array[] {
    this.ack(peerAck);
    this.#pruneExpired(now);
    return this.#live()
      .filter((entry) => keep(entry.inner))
      .map((entry) =>
        entry.deadline === undefined
          ? wrapReliable(entry.seq, entry.inner)
          : wrapExpiring(entry.seq, entry.deadline - now, entry.inner),
      );
  }

  /**
   * The sequence numbers `replay` would resend now, in order, for a sender that writes them over time
   * (within a rate): `frameOf` then makes each one's frame as it is written, so that an expiring message
   * that waited states what remains of its life then, or is not sent once that is gone.
   */
  replaySeqs(peerAck: number, now: number): number[] {
    this.ack(peerAck);
    this.#pruneExpired(now);
    return this.#live().map((entry) => entry.seq);
  }

  /**
   * The frame of unacked message `seq` to write at `now`, an expiring one with what remains of its life;
   * undefined once it is acked, expired or dropped.
   */
  frameOf(seq: number, now: number): Uint8Array | undefined {
    this.#pruneExpired(now);
    const entry = this.#find(seq);
    if (entry === undefined) return undefined;
    return entry.deadline === undefined
      ? wrapReliable(seq, entry.inner)
      : wrapExpiring(seq, entry.deadline - now, entry.inner);
  }

  /**
   * Numbers this stream on from `seq`, the newest the peer received of a session this side takes over
   * from another sender (a new client taking a session over): what is held, never sent to that peer,
   * is numbered `seq + 1` on, in its order, and so is what comes next; numbered from 1, the peer would
   * take it all for messages it already had. Does nothing when the stream is numbered past `seq` already.
   */
  continueAfter(seq: number): void {
    if (seq <= this.#acked || this.#lastSeq > seq) return;
    let next = seq;
    for (const entry of this.#live()) entry.seq = ++next;
    this.#lastSeq = next;
    this.#acked = seq;
  }

  /** Forgets everything (a fresh session); sequence numbers keep rising so old frames stay recognisable. */
  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#expiring = 0;
    this.#nextDeadline = Number.POSITIVE_INFINITY;
  }

  /**
   * Removes the unacked messages whose encoding is over `maxInnerBytes` (the peer refuses frames that
   * large: replayed, they would be refused again on every resume) and returns them, oldest first. Their
   * sequence numbers become gaps, which the receiver takes as it takes expired messages.
   */
  dropLargerThan(maxInnerBytes: number): Uint8Array[] {
    const dropped: Entry[] = [];
    const kept = this.#live().filter((entry) => entry.inner.length <= maxInnerBytes || !dropped.push(entry));
    if (dropped.length === 0) return [];
    this.#entries = kept;
    this.#head = 0;
    for (const entry of dropped) {
      this.#bytes -= entry.inner.length;
      if (entry.deadline !== undefined) this.#expiring--;
    }
    return dropped.map((entry) => entry.inner);
  }

  /**
   * Whether `messages` more messages of `bytes` in all would fit without dropping or refusing any;
   * `share`: the room past the limits the caller may count, a part of what is held back for what must not
   * be refused (OutboxLimits.reserve; never more than it). A boolean is the older form of it, still taken
   * so that code written for it keeps its answers: `true` all of the reserve, `false` none.
   */
  hasRoomFor(messages: number, bytes: number, share: OutboxRoom | boolean = NO_SHARE): boolean {
    const reserve = this.#limits.reserve ?? NO_SHARE;
    const counted = share === true ? reserve : share === false ? NO_SHARE : share;
    return (
      this.size + messages <= this.#limits.maxMessages + Math.min(counted.messages, reserve.messages) &&
      this.#bytes + bytes <= this.#limits.maxBytes + Math.min(counted.bytes, reserve.bytes)
    );
  }

  /** A push past the limits and the reserve: what `hasRoomFor` let through fits within them. */
  #wouldExceed(extraBytes: number): boolean {
    const { maxMessages, maxBytes, reserve } = this.#limits;
    return (
      this.size + 1 > maxMessages + (reserve?.messages ?? 0) ||
      this.#bytes + extraBytes > maxBytes + (reserve?.bytes ?? 0)
    );
  }

  /** The held entry with sequence number `seq` (entries are in rising order, with gaps). */
  #find(seq: number): Entry | undefined {
    let low = this.#head;
    let high = this.#entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.#entries[middle] as Entry;
      if (entry.seq === seq) return entry;
      if (entry.seq < seq) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  #live(): Entry[] {
    return this.#entries.slice(this.#head);
  }

  #dropOldest(): void {
    const oldest = this.#entries[this.#head];
    if (!oldest) return;
    this.#head++;
    this.#bytes -= oldest.inner.length;
    if (oldest.deadline !== undefined) this.#expiring--;
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#live();
      this.#head = 0;
    }
  }

  #pruneExpired(now: number): void {
    if (this.#expiring === 0 || now < this.#nextDeadline) return;
    let nextDeadline = Number.POSITIVE_INFINITY;
    this.#entries = this.#live().filter((entry) => {
      if (entry.deadline === undefined) return true;
      if (entry.deadline <= now) {
        this.#bytes -= entry.inner.length;
        this.#expiring--;
        return false;
      }
      nextDeadline = Math.min(nextDeadline, entry.deadline);
      return true;
    });
    this.#head = 0;
    this.#nextDeadline = nextDeadline;
  }
}

/**
 * The receiving half: delivers each sequence number at most once, in rising order. Over one WebSocket
 * frames arrive in order; after a reconnect the peer replays from our ack, so anything at or below
 * `received` is a duplicate. Gaps are legal: they are expiring messages that died before a replay.
 */
export class Inbox {
  readonly #maxAhead: number;
  #received = 0;
  #unacked = 0;

  /**
   * `maxAhead`: how far past the newest number received a sequence number may be (MAX_SEQ_AHEAD for a
   * server's inbox); `accept` refuses one further. Default: no limit.
   */
  constructor(maxAhead = Number.POSITIVE_INFINITY) {
    this.#maxAhead = maxAhead;
  }

  get received(): number {
    return this.#received;
  }

  /** Messages accepted since the last `markAcked()`. */
  get unacked(): number {
    return this.#unacked;
  }

  /**
   * True when `seq` is new (deliver it), false for a duplicate. Throws INVALID_MESSAGE for one more than
   * `maxAhead` past the newest received, and takes nothing: no sender keeping to the window numbers it.
   */
  accept(seq: number): boolean {
    if (seq <= this.#received) return false;
    if (seq - this.#received > this.#maxAhead) {
      throw new ProtocolError(
        ErrorCode.INVALID_MESSAGE,
        `sequence number ${seq} is more than ${this.#maxAhead} past the newest one received (${this.#received})`,
      );
    }
    this.#received = seq;
    this.#unacked++;
    return true;
  }

  markAcked(): void {
    this.#unacked = 0;
  }
}
