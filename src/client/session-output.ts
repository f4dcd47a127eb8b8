import { type Clock, TokenBucket } from '../common/index.js';
import {
  type Body,
  ErrorCode,
  type Kind,
  MAX_ENVELOPE_BYTES,
  MAX_SEQ_AHEAD,
  type MessageClass,
  Outbox,
  ProtocolError,
} from '../protocol/index.js';
import { priorityOf, type SendPriority, SendScheduler } from '../transport/index.js';
import type { ClientOptions } from './client-options.js';
import { FrameLimit } from './frame-limit.js';
import { OUTBOX_RESERVE, RESERVE_SHARES, type ReserveUse } from './outbox-reserve.js';
import { PacedReplay } from './paced-replay.js';
import { OPEN, sendFrame, type WebSocketLike } from './web-socket.js';

/**
 * The last numbers of the window the server keeps us to (MAX_SEQ_AHEAD past its newest ack) that only
 * reliable messages may take. Were expiring ones to take them all and die unsent, the server would never
 * receive a number past its ack, nor ack one, and nothing could be sent again; a reliable message cannot
 * die, so one of these reaches it at the next resume and moves the window on. The last of them are for
 * what may take the outbox's reserve (OUTBOX_RESERVE, fewer: see `#inWindow`).
 */
const RELIABLE_ONLY_SEQS = 1_024;

type Rate = NonNullable<Body<typeof Kind.Welcome>['rate']>;

/** What the output needs of the session: its socket now, whether it is open, and whom to tell. */
export interface OutputSession {
  readonly clock: Clock;
  readonly options: Pick<ClientOptions, 'outboxMessages' | 'outboxBytes'>;
  socket(): WebSocketLike | undefined;
  /** Whether the session is open (welcomed on the socket it has). */
  isOpen(): boolean;
  /** A sequenced message accepted when sent was dropped unsent: the frame limit turned out smaller. */
  dropped(inner: Uint8Array, error: ProtocolError): void;
  error(error: ProtocolError): void;
}

/**
 * What the session writes: the sequenced messages kept in the outbox until acked (and replayed at a
 * resume), the queues that order what waits when the socket backs up (control > inputs > relay), and the
 * send budget that keeps it all under the server's rate limit.
 */
export class SessionOutput {
  readonly #session: OutputSession;
  readonly #clock: Clock;
  #outbox: Outbox;
  /** Orders what waits when the socket backs up: control > inputs > relay. */
  readonly #scheduler: SendScheduler;
  /** 90% of the server's announced rate limit, for everything but control (which keeps the rest). */
  #sendBudget: TokenBucket | undefined;
  /** Tokens relayed peer data leaves in the send budget for inputs and room messages. */
  #relayReserve = 0;
  /** The server's rate the send budget was made for (from the welcome). */
  #budgetRate: Rate | undefined;
  readonly #paced: PacedReplay;
  readonly #limit = new FrameLimit();

  constructor(session: OutputSession) {
    this.#session = session;
    this.#clock = session.clock;
    this.#outbox = this.#newOutbox();
    this.#paced = new PacedReplay({
      clock: this.#clock,
      outbox: () => this.#outbox,
      budget: () => this.#sendBudget,
      write: (frame) => this.write(frame),
    });
    this.#scheduler = new SendScheduler({
      clock: this.#clock,
      buffered: () => session.socket()?.bufferedAmount ?? 0,
      write: (inner, messageClass, ttlMs) => this.#writeNow(inner, messageClass, ttlMs),
      // Stay under the server's rate limit rather than be cut off by it: a burst (a dispatch stream
      // resent after a path change, say) waits its turn instead. Relayed peer data leaves a reserve
      // behind: it would otherwise take each token as it comes, and the next input (which is dropped
      // rather than sent late) would find none.
      mayWrite: (queue) =>
        this.#sendBudget?.take(this.#clock.now(), 1, queue === 'relay' ? this.#relayReserve : 0) ?? true,
      // Requests and signals go ahead of everything, but the server counts them like any frame.
      controlWritten: () => this.#sendBudget?.charge(this.#clock.now()),
      // Volatile messages never wait behind the rate: one that cannot go now is dropped (or, keyed,
      // replaced by the next), where waiting made inputs sent above the rate arrive seconds late.
      volatileWaits: false,
    });
  }

  /**
   * What the send queue shed rather than send late: volatile messages dropped (the rate or a backed-up
   * socket held them), keyed ones replaced by a newer one, expiring ones that died waiting.
   */
  get sendStats(): { volatileDropped: number; superseded: number; expired: number } {
    const scheduler = this.#scheduler;
    return {
      volatileDropped: scheduler.dropped,
      superseded: scheduler.superseded,
      expired: scheduler.expired + this.#paced.expired,
    };
  }

  /** The largest frame the server takes, in bytes (its welcome says; 64 KiB until one does). */
  get maxFrameBytes(): number {
    return this.#limit.maxFrameBytes;
  }

  /** The number of the newest sequenced message. */
  get lastSeq(): number {
    return this.#outbox.lastSeq;
  }

  /**
   * Sequenced messages sent that would not reach the server were the client closed now: those still
   * waiting to be written when open, and everything unacked when not.
   */
  unsent(): number {
    if (this.#session.isOpen()) return this.#scheduler.queuedSequenced + this.#paced.waiting;
    return this.#outbox.size;
  }

  /**
   * Sends now if open, dropped otherwise (the volatile class). Never waits behind the rate limit or a
   * backed-up socket: what cannot go at once is dropped (counted in `sendStats`), except that with a
   * `key` the newest one waits, replacing an older one with that key (a peer's `phys` sample).
   * `priority` overrides the one the message's kind gives (see `priorityOf`).
   */
  sendVolatile(frame: Uint8Array, key?: string, priority: SendPriority = priorityOf(frame)): void {
    this.#limit.refuseOverLimit(frame.length);
    if (this.#session.isOpen()) this.#scheduler.send(priority, frame, 'volatile', undefined, key);
  }

  /**
   * Queues for replay and sends when connected; throws OUTBOX_OVERFLOW when the buffer is full or its
   * number would be too far past the server's newest ack (`#inWindow`), and MESSAGE_TOO_LARGE for a
   * message whose frame would be over the server's limit. `reserve`: what it may take of the room held
   * back past the limits (OUTBOX_RESERVE) when they are reached: a goodbye (a relay link's, or a room's
   * leave) all of it, an answer to a room's request the answers' share (see ReserveUse).
   */
  sendSequenced(inner: Uint8Array, ttlMs?: number, behindWaiting = false, reserve?: ReserveUse): void {
    this.#limit.refuseOverLimit(inner.length + MAX_ENVELOPE_BYTES);
    const waiting = this.#scheduler.queuedSequenced;
    const share = RESERVE_SHARES[reserve ?? 'none'];
    if (
      !this.#outbox.hasRoomFor(waiting + 1, this.#scheduler.queuedBytes + inner.length, share) ||
      !this.#inWindow(waiting + 1, ttlMs !== undefined, share.messages)
    ) {
      throw new ProtocolError(
        ErrorCode.OUTBOX_OVERFLOW,
        'too many messages waiting for the server: try again later',
      );
    }
    const messageClass = ttlMs === undefined ? 'reliable' : 'expiring';
    const open = this.#session.isOpen();
    // Behind everything waiting: a leave or a join after the messages sent to the room before it.
    if (open && behindWaiting) this.#scheduler.sendBehindWaiting(inner, messageClass);
    else if (open) this.#scheduler.send(priorityOf(inner), inner, messageClass, ttlMs);
    else this.#writeNow(inner, messageClass, ttlMs); // into the outbox, replayed once connected
  }

  /**
   * Whether `messages` more numbers stay within MAX_SEQ_AHEAD of the server's newest ack (those waiting
   * take theirs as they are written, when no newer ack may have come). Expired messages keep theirs: the
   * outbox's own limits count only the live ones, so while away they would not stop a client sending
   * expiring messages from numbering past what the server takes. The last of the reliable messages'
   * numbers are kept as the outbox's room is, for what may take its reserve (`shareMessages` of them):
   * a window spent on other reliable messages, or on answers past their share, would refuse a goodbye as
   * a full outbox would.
   */
  #inWindow(messages: number, expiring: boolean, shareMessages: number): boolean {
    const ahead = this.#outbox.lastSeq + messages - this.#outbox.acked;
    const kept = expiring ? RELIABLE_ONLY_SEQS : OUTBOX_RESERVE.messages - shareMessages;
    return ahead <= MAX_SEQ_AHEAD - kept;
  }

  /** Writes one message; a sequenced one takes its number here (room was checked when it was sent). */
  #writeNow(inner: Uint8Array, messageClass: MessageClass, ttlMs: number | undefined): void {
    if (messageClass === 'volatile') {
      if (this.#session.isOpen()) this.write(inner);
      return;
    }
    const frame = this.#outbox.push(
      inner,
      this.#clock.now(),
      messageClass === 'expiring' ? ttlMs : undefined,
    );
    if (frame === undefined || !this.#session.isOpen()) return;
    if (!this.#paced.queueBehind(this.#outbox.lastSeq)) this.write(frame);
  }

  /**
   * Writes an ack, ping or pong at once, charged to the send budget: the server counts them against its
   * rate limit like any frame, so what can wait holds back by as much (a client sending at its whole
   * budget went past the limit by its acks, up to 20 a second).
   */
  writeControl(frame: Uint8Array): void {
    this.#sendBudget?.charge(this.#clock.now());
    this.write(frame);
  }

  /** Writes a frame on the socket if it is open (dropped otherwise). */
  write(frame: Uint8Array): void {
    const socket = this.#session.socket();
    if (socket && socket.readyState === OPEN) {
      this.#limit.written(frame.length);
      sendFrame(socket, frame);
    }
  }

  /** A new socket: nothing written on it yet. */
  socketOpened(): void {
    this.#limit.socketOpened();
  }

  /**
   * The socket is gone: what waits in the queues takes its sequence number now (ahead of anything sent
   * while reconnecting, which goes straight to the outbox), to be replayed once connected again.
   */
  socketGone(): void {
    this.#scheduler.flush();
  }

  /** The replay being written within the budget is over (the socket went, or the session). */
  stopReplay(): void {
    this.#paced.stop();
  }

  /** The session ended: nothing sent in it is sent any more. */
  reset(): void {
    this.#scheduler.clear();
    this.#outbox = this.#newOutbox();
  }

  /** The server has every sequenced message up to `seq`. */
  /** This client takes over a session the server numbered to `seq`: see `Outbox.continueAfter`. */
  continueAfter(seq: number): void {
    this.#outbox.continueAfter(seq);
  }

  acked(seq: number): void {
    this.#outbox.ack(seq);
  }

  /**
   * The server closed the socket for a frame over its limit (1009): one smaller than this client took it
   * to be (an older server announces none, or what was queued before the welcome). The limit is taken as
   * below the largest frame written on that socket from now on (see `FrameLimit.refused`), and what waits
   * in the outbox over it is dropped with an `error`, instead of being replayed into the same refusal on
   * every resume.
   */
  frameRefused(): void {
    const largest = this.#limit.refused();
    const why = `the server refused a frame of ${largest.toLocaleString('en-US')} bytes (1009)`;
    if (!this.#dropOversized(why)) this.#session.error(this.#limit.tooLarge(why, 0));
  }

  /**
   * A welcome's rate. A resumed session's rate on the server goes on from where the last connection left
   * it, so the budget that mirrors it does too; a new session starts both afresh.
   */
  welcomedRate(rate: Rate | undefined, resumed: boolean): void {
    if (resumed && sameRate(this.#budgetRate, rate)) return;
    const capacity = rate ? Math.max(1, Math.floor(rate.burst * 0.9)) : 0;
    this.#sendBudget = rate
      ? new TokenBucket(capacity, Math.max(0.01, rate.perSecond * 0.9), this.#clock.now())
      : undefined;
    this.#budgetRate = rate;
    // A tenth of the bucket (none in a bucket under ten): room for the inputs and messages that come
    // while the relay waits, and never so much that the relay could not go at all.
    this.#relayReserve = Math.floor(capacity / 10);
  }

  /** A welcome's frame limit (`maxFrameBytes`), and `ack`, the newest message the server has. */
  welcomedLimit(maxFrameBytes: number | undefined, ack: number): void {
    if (!this.#limit.announced(maxFrameBytes)) return;
    // What the server already has is not dropped; what was sent before this welcome said how large a
    // frame may be (while connecting, say) and is over it is.
    this.#outbox.ack(ack);
    const limit = this.#limit.maxFrameBytes.toLocaleString('en-US');
    this.#dropOversized(`the server takes frames of at most ${limit} bytes`);
  }

  /** Replays, within the budget, what the server lacks past `ack` and was not written since `written`. */
  replay(ack: number, written: number): void {
    this.#paced.start(this.#outbox.replaySeqs(ack, this.#clock.now()).filter((seq) => seq > written));
  }

  /**
   * Drops the unacked messages over the frame limit, telling the client (a request among them fails) and
   * the app (`error`). Whether any were dropped.
   */
  #dropOversized(why: string): boolean {
    const dropped = this.#outbox.dropLargerThan(this.#limit.maxFrameBytes - MAX_ENVELOPE_BYTES);
    if (dropped.length === 0) return false;
    const error = this.#limit.tooLarge(why, dropped.length);
    for (const inner of dropped) this.#session.dropped(inner, error);
    this.#session.error(error);
    return true;
  }

  #newOutbox(): Outbox {
    const options = this.#session.options;
    return new Outbox({
      maxMessages: options.outboxMessages ?? 1_024,
      maxBytes: options.outboxBytes ?? 1024 * 1024,
      overflow: 'refuse',
      reserve: OUTBOX_RESERVE,
    });
  }
}

function sameRate(a: Rate | undefined, b: Rate | undefined): boolean {
  return a?.burst === b?.burst && a?.perSecond === b?.perSecond;
}
