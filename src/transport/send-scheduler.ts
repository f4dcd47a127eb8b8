import { type Cancel, type Clock, Fifo } from '../common/index.js';
import type { MessageClass } from '../protocol/index.js';

/**
 * Kinds of traffic sharing one WebSocket, most urgent first. `control` (session frames, acks, requests,
 * signaling) never waits; the others wait their turn while the socket is congested. Control still
 * counts towards `maxWaitingBytes`.
 */
export type SendPriority = 'control' | 'snapshot' | 'input' | 'relay';

/** `behind` is no priority of its own: messages sent with `sendBehindWaiting`, which leave last. */
const WAITING_ORDER = ['snapshot', 'input', 'relay', 'behind'] as const;
/** The queue a non-control message waits in: its priority, or `behind` (see `sendBehindWaiting`). */
export type WaitingPriority = (typeof WAITING_ORDER)[number];

/** A message not yet written. Sequenced ones take their number only when written (see `write`). */
export interface PendingSend {
  inner: Uint8Array;
  /** Dropped while waiting (the queue overflowed); skipped when its turn comes. */
  dropped?: true;
  readonly messageClass: MessageClass;
  readonly ttlMs: number | undefined;
  readonly queuedAt: number;
  readonly key: string | undefined;
  /** The queue it waits in. */
  readonly queue: WaitingPriority;
  /** When it was queued, counted in messages: what was queued before a `behind` message leaves before it. */
  readonly order: number;
}

export interface SendSchedulerOptions {
  clock: Clock;
  /** Bytes the socket holds that the network has not taken yet (`WebSocket.bufferedAmount`). */
  buffered(): number;
  /**
   * Writes one message now. This is where a sequenced message gets its sequence number, so the wire
   * order is always the sequence order (the receiver takes numbers in rising order only).
   * `ttlMs` is what remains of an expiring message's life.
   */
  write(inner: Uint8Array, messageClass: MessageClass, ttlMs: number | undefined): void;
  /** Above this many buffered bytes, everything but control waits. Default 64 KiB. */
  highWaterBytes?: number;
  /**
   * Most bytes allowed to wait in the queues (the socket's buffer aside). Past it, waiting volatile
   * messages are dropped (least urgent and oldest first); if sequenced ones alone are still too many,
   * `onOverflow` runs. Default 1 MiB.
   */
  maxQueuedBytes?: number;
  /**
   * The peer cannot keep up with sequenced traffic (they may not be dropped: the receiver would never
   * know). Default: write everything out in priority order and let the socket buffer it.
   */
  onOverflow?: () => void;
  /**
   * Most bytes allowed to wait in all: queued here plus what the socket holds (`buffered`), whatever
   * their priority, including frames written around the scheduler (see `checkWaiting`). Checked after
   * every control write, every queued message and every `checkWaiting`; past it, waiting volatile
   * messages are dropped and, if that is not enough, `onOverflow` runs. Default: no bound (the socket
   * may hold any amount).
   */
  maxWaitingBytes?: number;
  /** How often a congested socket is checked for room (ms). Default 5. */
  pollMs?: number;
  /**
   * Asked before each non-control write, with the queue it belongs to: false holds it back (e.g. the
   * peer's rate limit would be exceeded). A true answer is taken as spent (a token taken). Knowing the
   * queue lets the owner keep headroom for urgent messages: relayed data that takes every token as it
   * comes would leave none for the next input, which cannot wait.
   */
  mayWrite?: (queue: WaitingPriority) => boolean;
  /**
   * Told of each control write (those go at once, `mayWrite` or not): the peer counts them against the
   * same rate limit, so what can wait must hold back by as much.
   */
  controlWritten?: () => void;
  /**
   * Whether a volatile message that cannot be written at once (the socket is backed up, `mayWrite`
   * refuses, messages as urgent as it wait, or one sent with `sendBehindWaiting` waits) waits its turn.
   * Default true. False: it is dropped (counted in `dropped`), or, with a `key`, takes the one place of
   * its key (replacing an older one), so that no volatile message waits behind the rate for longer than
   * the next newer one takes to come.
   */
  volatileWaits?: boolean;
}

/**
 * One WebSocket carries everything when there is no direct path, so when it backs up the most urgent
 * traffic must go first: control > snapshots > inputs > relay. Messages pass straight through while
 * the socket keeps up; once its buffer passes the high-water mark, non-control messages queue by
 * priority and leave as it drains. A queued message with a `key` (a `phys` sample per sender) is
 * replaced by a newer one with the same key: a stale sample is never worth sending. Expiring messages
 * that outlive their TTL while waiting are dropped.
 *
 * `bufferedAmount` sees only what sits in user space, not the kernel's send buffer; so this orders
 * traffic within what the socket still holds, and the newest-only `phys` gates upstream keep the total
 * rate sane.
 *
 * Control going first is not control going unbounded: with `maxWaitingBytes`, what the socket holds
 * counts too, so a peer that stops reading and keeps asking (a request answered at once, a ping
 * answered with a pong) is cut off by `onOverflow` like one that cannot keep up with data.
 */
export class SendScheduler {
  readonly #options: SendSchedulerOptions;
  readonly #queues: Record<WaitingPriority, Fifo<PendingSend>> = {
    snapshot: new Fifo(),
    input: new Fifo(),
    relay: new Fifo(),
    behind: new Fifo(),
  };
  /** Messages waiting per queue (dropped ones not counted). */
  readonly #waitingIn: Record<WaitingPriority, number> = { snapshot: 0, input: 0, relay: 0, behind: 0 };
  readonly #byKey = new Map<string, PendingSend>();
  readonly #maxQueuedBytes: number;
  readonly #maxWaitingBytes: number;
  #queuedBytes = 0;
  /** Messages queued so far: the next one's `order`. */
  #queuedCount = 0;
  #queuedSequenced = 0;
  #waiting = 0;
  #cancelPoll: Cancel | undefined;
  /** Keyed messages replaced by a newer one before they left. */
  superseded = 0;
  /** Expiring messages whose life ran out while they waited. */
  expired = 0;
  /**
   * Volatile messages dropped: because too much was waiting, or (`volatileWaits: false`) because they
   * could not be written at once.
   */
  dropped = 0;
  /** Times too much waited even with every waiting volatile message dropped (see `onOverflow`). */
  overflows = 0;

  constructor(options: SendSchedulerOptions) {
    this.#options = options;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.#maxWaitingBytes = options.maxWaitingBytes ?? Number.POSITIVE_INFINITY;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Bytes waiting for the peer: queued here and held by the socket. */
  get waitingBytes(): number {
    return this.#queuedBytes + this.#options.buffered();
  }

  /** Sequenced (reliable or expiring) messages waiting: they will need outbox room when written. */
  get queuedSequenced(): number {
    return this.#queuedSequenced;
  }

  get idle(): boolean {
    return this.#waiting === 0;
  }

  send(
    priority: SendPriority,
    inner: Uint8Array,
    messageClass: MessageClass,
    ttlMs?: number,
    key?: string,
  ): void {
    if (priority === 'control') {
      // Ahead of everything waiting, but counted: a peer that never reads must not be sent answers
      // without end.
      this.#options.controlWritten?.();
      this.#options.write(inner, messageClass, ttlMs);
      this.checkWaiting();
      return;
    }
    // The common case, a socket that keeps up: written at once, nothing allocated, no clock read. Not
    // checked against `maxWaitingBytes`: the socket held less than `highWaterBytes` before this one.
    if (this.idle && !this.#congested() && this.#admitted(priority)) {
      this.#options.write(inner, messageClass, ttlMs);
      return;
    }
    if (messageClass === 'volatile' && this.#options.volatileWaits === false) {
      // Goes now, ahead of less urgent messages, or never: a volatile message sent late is worse than none.
      // Never ahead of a message sent behind what waits (a leave): it would reach the room left.
      if (
        this.#waitingIn.behind === 0 &&
        !this.#waitsAtOrAbove(priority) &&
        !this.#congested() &&
        this.#admitted(priority)
      ) {
        this.#options.write(inner, messageClass, ttlMs);
        return;
      }
      if (key === undefined) {
        this.dropped++;
        return;
      }
    }
    this.#enqueue(priority, inner, messageClass, ttlMs, key);
  }

  /**
   * Sends a control message once everything waiting now has left (or been dropped): a request that
   * must not overtake what was sent before it (leaving a room, after the messages for that room).
   * Written at once when nothing waits. Control messages sent after it go ahead of it, as always; every
   * other message sent after it leaves after it (with `volatileWaits: false`, an unkeyed volatile one
   * that would have to wait is dropped). Other messages sent after it do not hold it:
   * it leaves as soon as those before it have, so a steady stream of relayed data cannot starve it.
   */
  sendBehindWaiting(inner: Uint8Array, messageClass: MessageClass): void {
    if (this.idle) {
      this.send('control', inner, messageClass);
      return;
    }
    this.#enqueue('behind', inner, messageClass, undefined, undefined);
  }

  #enqueue(
    priority: WaitingPriority,
    inner: Uint8Array,
    messageClass: MessageClass,
    ttlMs: number | undefined,
    key: string | undefined,
  ): void {
    if (key !== undefined) {
      const waiting = this.#byKey.get(key);
      if (waiting) {
        this.#queuedBytes += inner.length - waiting.inner.length;
        waiting.inner = inner;
        this.superseded++;
        return;
      }
    }
    const pending: PendingSend = {
      inner,
      messageClass,
      ttlMs,
      queuedAt: this.#options.clock.now(),
      key,
      queue: priority,
      order: this.#queuedCount++,
    };
    this.#queues[priority].push(pending);
    if (key !== undefined) this.#byKey.set(key, pending);
    this.#queuedBytes += inner.length;
    this.#waiting++;
    this.#waitingIn[priority]++;
    if (messageClass !== 'volatile') this.#queuedSequenced++;
    if (this.#overLimit()) this.#overflow();
    else this.#schedulePoll();
  }

  /**
   * Checks what waits against `maxWaitingBytes` (see there): called after each control write, and by
   * the owner after writing a frame to the socket around the scheduler (a pong, an ack).
   */
  checkWaiting(): void {
    if (this.#queuedBytes + this.#options.buffered() > this.#maxWaitingBytes) this.#overflow();
  }

  /** Writes what the socket has room for, most urgent first. */
  pump(): void {
    while (this.#waiting > 0 && !this.#congested()) {
      const queue = this.#nextQueue();
      if (queue === undefined || !this.#admitted(queue)) break;
      const next = this.#dequeue();
      if (next) this.#writeQueued(next);
    }
    if (this.#waiting > 0) this.#schedulePoll();
  }

  /**
   * Writes everything now, in priority order, whatever the socket holds: the socket is gone (sequenced
   * messages move to the outbox for replay) or the queue overflowed.
   */
  flush(): void {
    this.#stopPoll();
    for (let next = this.#dequeue(); next; next = this.#dequeue()) this.#writeQueued(next);
  }

  /** Forgets everything waiting (the session ended). */
  clear(): void {
    this.#stopPoll();
    for (const priority of WAITING_ORDER) this.#queues[priority].clear();
    this.#byKey.clear();
    this.#queuedBytes = 0;
    this.#queuedSequenced = 0;
    this.#waiting = 0;
    for (const priority of WAITING_ORDER) this.#waitingIn[priority] = 0;
  }

  /** Whether messages of `priority`, or more urgent ones, wait. */
  #waitsAtOrAbove(priority: SendPriority): boolean {
    for (const waiting of WAITING_ORDER) {
      if (this.#waitingIn[waiting] > 0) return true;
      if (waiting === priority) return false;
    }
    return false;
  }

  /** More waits than allowed: queued past `maxQueuedBytes`, or in all past `maxWaitingBytes`. */
  #overLimit(): boolean {
    return (
      this.#queuedBytes > this.#maxQueuedBytes ||
      this.#queuedBytes + this.#options.buffered() > this.#maxWaitingBytes
    );
  }

  #overflow(): void {
    for (const priority of [...WAITING_ORDER].reverse()) {
      for (const pending of this.#queues[priority]) {
        if (!this.#overLimit()) break;
        if (pending.dropped || pending.messageClass !== 'volatile') continue;
        pending.dropped = true;
        this.#forget(pending);
        this.dropped++;
      }
    }
    if (!this.#overLimit()) {
      if (this.#waiting > 0) this.#schedulePoll();
      return;
    }
    this.overflows++;
    if (this.#options.onOverflow) this.#options.onOverflow();
    else this.flush();
  }

  #writeQueued(pending: PendingSend): void {
    let ttlMs = pending.ttlMs;
    if (pending.messageClass === 'expiring' && ttlMs !== undefined) {
      ttlMs -= this.#options.clock.now() - pending.queuedAt;
      if (ttlMs <= 0) {
        this.expired++;
        return;
      }
    }
    this.#options.write(pending.inner, pending.messageClass, ttlMs);
  }

  #dequeue(): PendingSend | undefined {
    const queue = this.#nextQueue();
    if (queue === undefined) return undefined;
    // `#nextQueue` cleared the dropped ones off its head.
    const pending = this.#queues[queue].shift() as PendingSend;
    this.#forget(pending);
    return pending;
  }

  /** Takes a message out of the counts (it left, or was dropped). */
  #forget(pending: PendingSend): void {
    if (pending.key !== undefined) this.#byKey.delete(pending.key);
    this.#queuedBytes -= pending.inner.length;
    this.#waiting--;
    this.#waitingIn[pending.queue]--;
    if (pending.messageClass !== 'volatile') this.#queuedSequenced--;
  }

  /**
   * The queue the next message to leave waits in (dropped ones skipped and cleared away): the most urgent
   * one, but a `behind` message goes first once everything queued before it has left. Last in priority
   * otherwise, it waited for as long as anything else did, and relayed data coming faster than the rate
   * lets it leave kept a leave waiting without end.
   */
  #nextQueue(): WaitingPriority | undefined {
    const behind = this.#head('behind');
    let first: WaitingPriority | undefined;
    for (const priority of WAITING_ORDER) {
      if (priority === 'behind') break;
      const head = this.#head(priority);
      if (head === undefined) continue;
      if (behind !== undefined && head.order < behind.order) return first ?? priority;
      first ??= priority;
    }
    return behind !== undefined ? 'behind' : first;
  }

  /** The first message of `priority` not dropped (dropped ones before it are cleared away). */
  #head(priority: WaitingPriority): PendingSend | undefined {
    const queue = this.#queues[priority];
    for (let head = queue.peek(); head; head = queue.peek()) {
      if (!head.dropped) return head;
      queue.shift();
    }
    return undefined;
  }

  #admitted(queue: WaitingPriority): boolean {
    return this.#options.mayWrite?.(queue) ?? true;
  }

  #congested(): boolean {
    return this.#options.buffered() >= (this.#options.highWaterBytes ?? 64 * 1024);
  }

  #schedulePoll(): void {
    this.#cancelPoll ??= this.#options.clock.setTimeout(() => {
      this.#cancelPoll = undefined;
      this.pump();
    }, this.#options.pollMs ?? 5);
  }

  #stopPoll(): void {
    this.#cancelPoll?.();
    this.#cancelPoll = undefined;
  }
}
