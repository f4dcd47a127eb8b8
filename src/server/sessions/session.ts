import type { WebSocket } from 'ws';
import type { Cancel, Clock } from '../../common/index.js';
import {
  type Body,
  type BodyKind,
  closeCodeFor,
  ErrorCode,
  encodeDatagramFromServer,
  encodeMessage,
  encodeTaggedDatagramFromServer,
  Inbox,
  Kind,
  type LeaveReason,
  MAX_SEQ_AHEAD,
  MEMBERSHIP_NUMBERS,
  type MessageClass,
  Outbox,
} from '../../protocol/index.js';
import { type Channel, NewestSampleGate, priorityOf, SendScheduler } from '../../transport/core.js';
import type { Identity } from '../auth/authenticator.js';
import type { AbuseGuard } from '../connection/abuse-guard.js';
import { sendBinary } from '../connection/send-binary.js';
import { sameSecret } from '../ids.js';
import { addressBlock, UNKNOWN_ADDRESS } from '../remote-address.js';
import { ServerLink } from '../server-link/server-link.js';
import { encodeRelayedSample, type RelayedSample } from './relayed-sample.js';
import { RequestSlots } from './request-slots.js';
import { RequestsToPlayer } from './requests-to-player.js';

/** Relayed phys samples reach a player at most this often per sender (20 Hz), newest only. */
const RELAYED_PHYS_INTERVAL_MS = 50;
/** Resume tokens replaced by takeovers that are still told apart from wrong ones: a few reloads' worth. */
const SUPERSEDED_TOKENS_KEPT = 4;
/** Answers kept to send again after a resync: as many as requests may wait at once (see requests). */
const KEPT_ANSWERS = 16;

export interface SessionLimits {
  /** Unacked messages kept for replay before the oldest are dropped (and a resync is forced). */
  outboxMessages: number;
  /** Unacked bytes kept for replay, likewise. */
  outboxBytes: number;
  /**
   * Bytes allowed to wait in the send queue when the socket backs up (see
   * GameServerOptions.sendQueueBytes). In all, queue and socket buffer together, `sendQueueBytes +
   * outboxBytes` may wait: room for a full queue and for a resume's replay of a full outbox.
   */
  sendQueueBytes: number;
  /** Send a cumulative ack after this many messages... */
  ackEvery: number;
  /** ...or this many milliseconds after the first unacked one, whichever comes first. */
  ackDelayMs: number;
}

/**
 * A session's place in a room, made by the room when it seats the player. Messages on the player's server
 * link go straight to it: every input passes here, and looking the room and the member up by their ids on
 * each one cost two string-keyed Map lookups.
 */
export interface Seat {
  readonly roomId: string;
  linkMessage(channel: Channel, bytes: Uint8Array): void;
}

/**
 * One player's session: outlives any single socket. Holds the sequenced stream in both directions so
 * that a reconnect within the grace period loses and duplicates nothing.
 */
export class Session {
  readonly playerId: string;
  readonly identity: Identity;
  /**
   * The app's data for this session (`RoomClient.data`): kept across its reconnects and rooms on this node;
   * a copy of what the authenticator put in `identity.data` at first.
   */
  readonly data: Record<string, unknown>;
  readonly outbox: Outbox;
  /** Refuses a number further past the newest received than a client keeping to the window numbers. */
  readonly inbox = new Inbox(MAX_SEQ_AHEAD);
  /** The seat this session holds in a room, if any (one room at a time): see `seat`. */
  #seat: Seat | undefined = undefined;
  /**
   * The number of the newest seating (see `seat`), named in the join's answer. The client tags its room
   * and peer messages with it, so that one sent for a room the player has since left is refused, never
   * handed to the room they are in now.
   */
  membership = 0;
  /** Round-trip time from the newest heartbeat, in ms. */
  rttMs = 0;
  /**
   * Where the player's newest connection comes from (see `remoteAddress`; `UNKNOWN_ADDRESS` before the
   * first). A resume from another network changes it.
   */
  address = UNKNOWN_ADDRESS;
  /**
   * `addressBlock(address)`, worked out once per connection: what the errors this player causes are
   * counted by (see ClientErrors), where they can come in per datagram.
   */
  addressBlock = UNKNOWN_ADDRESS;
  /** Set when the socket went away; cleared on resume. */
  awaySince: number | undefined;
  /** Peers' relayed `phys` samples on their way to this player, encoded as they leave (RelayedSample). */
  readonly physGate: NewestSampleGate<RelayedSample>;
  /** Orders what waits when this player's socket backs up: control > snapshots > relay. */
  readonly scheduler: SendScheduler;
  /** Sees every frame written to the socket (the server counts them by kind for its metrics). */
  onFrameSent: ((frame: Uint8Array) => void) | undefined;
  /**
   * Runs when the session cuts its socket off for having too much waiting (OUTBOX_OVERFLOW): the
   * connection stops acting on what still arrives on it.
   */
  onCut: (() => void) | undefined;
  /**
   * The player's requests (joins, leaves, listings), run one at a time across every socket of the
   * session: a join sent before a drop cannot land after a leave sent after the resume.
   */
  requests: Promise<void> = Promise.resolve();
  /** Requests queued or running in `requests`. */
  pendingRequests = 0;
  /**
   * The player's room requests (`room.request`) whose handler has not answered yet, until their deadline:
   * one more under an id listed is refused, and at most MAX_ROOM_REQUESTS_WAITING wait at once; and those
   * past it whose handlers still run (see MAX_ROOM_REQUESTS_OVERDUE).
   */
  readonly roomRequestsWaiting: RequestSlots;
  /** The rooms' requests to the player (`Room.request`), waiting for the answer or owed one. */
  readonly requestsToPlayer: RequestsToPlayer;
  /**
   * Its client reads error codes it does not list (it listed `features` in its hello, as every client does
   * from the version that reads them on): else it is told older stand-ins (see codes-for-older-clients.ts).
   */
  readsNewerCodes = false;
  /**
   * The newest connection attempt the client resumed on (0: the connection that began the session); an
   * older one is refused, and so is one more than MAX_RESUME_ATTEMPT_AHEAD above it.
   */
  newestResumeAttempt = 0;
  /**
   * The player's message rate and fault budget, set by the connection that made the session and taken
   * over by every one that resumes it: reconnecting does not refill them.
   */
  abuseGuard: AbuseGuard | undefined;

  readonly #clock: Clock;
  readonly #limits: SessionLimits;
  #resumeToken: string;
  /** The tokens takeovers replaced, newest last (at most `SUPERSEDED_TOKENS_KEPT`). */
  readonly #supersededTokens: string[] = [];
  #takeovers = 0;
  #link: ServerLink | undefined;
  #socket: WebSocket | undefined;
  #cancelAck: Cancel | undefined;
  #cancelGrace: Cancel | undefined;
  /** The grace period of the newest drop, and what runs when it ends (see `detach`, `holdAwayFor`). */
  #graceMs = 0;
  #onGraceOver: (() => void) | undefined;
  /** The hold a leave beacon with `keepMs` asked for (see `holdAtMost`). */
  #cancelHold: Cancel | undefined;
  #ended = false;
  #endReason: LeaveReason | undefined;
  /** The newest answers to this player's requests (at most `KEPT_ANSWERS`), oldest first. */
  readonly #answers: Uint8Array[] = [];
  /** The newest replies to this player's room requests (at most `KEPT_ANSWERS`), oldest first. */
  readonly #replies: Uint8Array[] = [];
  /** What runs once the session ends (see `onEnd`). */
  readonly #endListeners = new Set<() => void>();
  /** Messages held back until the next answer (see `holdUntilAnswered`). */
  #held: Array<{ inner: Uint8Array; messageClass: MessageClass; ttlMs: number | undefined }> | undefined;

  constructor(
    playerId: string,
    resumeToken: string,
    identity: Identity,
    clock: Clock,
    limits: SessionLimits,
  ) {
    this.playerId = playerId;
    this.#resumeToken = resumeToken;
    this.identity = identity;
    this.data = { ...identity.data };
    this.#clock = clock;
    this.#limits = limits;
    this.roomRequestsWaiting = new RequestSlots(clock);
    this.requestsToPlayer = new RequestsToPlayer(clock);
    // One pending sample per sender, in the gate and again in the scheduler's queue.
    this.physGate = new NewestSampleGate<RelayedSample>(clock, RELAYED_PHYS_INTERVAL_MS, (sample, sender) =>
      this.sendEncoded(
        encodeRelayedSample(sender, sample, clock.now()),
        'volatile',
        undefined,
        `phys:${sender}`,
      ),
    );
    this.scheduler = new SendScheduler({
      clock,
      buffered: () => this.#socket?.bufferedAmount ?? 0,
      write: (inner, messageClass, ttlMs) => this.#writeNow(inner, messageClass, ttlMs),
      maxQueuedBytes: limits.sendQueueBytes,
      maxWaitingBytes: limits.sendQueueBytes + limits.outboxBytes,
      // Reliable messages cannot be dropped unnoticed: cut the slow player off. They resume; what the
      // outbox could not hold is a hole, answered with a resync.
      onOverflow: () => this.#cut(),
    });
    this.outbox = new Outbox({
      maxMessages: limits.outboxMessages,
      maxBytes: limits.outboxBytes,
      overflow: 'drop-oldest',
    });
  }
  /** The secret a resume (or a leave request, or a takeover) proves this session with. */
  get resumeToken(): string {
    return this.#resumeToken;
  }

  /** Takeovers so far: a request queued before one is the old client's, whose answer the new one must not get. */
  get takeovers(): number {
    return this.#takeovers;
  }

  /**
   * A new client took the session over: `token` is its resume token from now on. The one it replaces
   * is kept, for the old client's resumes with it to be told the session was taken over, not only refused.
   */
  takenOver(token: string): void {
    // The old client's room requests are answered to no one: the new one may use their ids at once. Their
    // handlers still run, and still count (as overdue ones).
    this.roomRequestsWaiting.abandon();
    this.#supersededTokens.push(this.#resumeToken);
    if (this.#supersededTokens.length > SUPERSEDED_TOKENS_KEPT) this.#supersededTokens.shift();
    this.#resumeToken = token;
    this.#takeovers++;
    this.newestResumeAttempt = 0;
  }

  /** Whether `token` is one a takeover of this session replaced (compared in constant time). */
  superseded(token: string): boolean {
    return this.#supersededTokens.some((old) => sameSecret(token, old));
  }

  /**
   * Seats the session in a room: a new membership, which messages tagged with an earlier one do not reach.
   * Returns its number.
   */
  seat(seat: Seat): number {
    this.#seat = seat;
    this.membership = (this.membership + 1) % MEMBERSHIP_NUMBERS;
    return this.membership;
  }

  /** Room this session sits in, if any. */
  get roomId(): string | undefined {
    return this.#seat?.roomId;
  }

  /** Where the player's link messages go while seated (see `Seat`). */
  get seated(): Seat | undefined {
    return this.#seat;
  }

  /** Leaves its seat; with `roomId`, only a seat in that room (one it has moved on from is left alone). */
  leaveSeat(roomId?: string): void {
    if (roomId === undefined || this.#seat?.roomId === roomId) this.#seat = undefined;
  }

  /**
   * This player's link to the server (direct when it can be had, TCP mode over this session otherwise),
   * made on first use.
   */
  get link(): ServerLink {
    // The link is made elsewhere: a method holding closures that capture `this` allocates a context on
    // every call, made or not, and this getter runs for every input and every snapshot.
    return this.#link ?? this.#makeLink();
  }

  #makeLink(): ServerLink {
    this.#link = new ServerLink(
      this.#clock,
      (channel, bytes, messageClass, ttlMs) =>
        this.sendEncoded(
          encodeDatagramFromServer(channel, bytes, this.#clock.now()),
          messageClass,
          ttlMs,
          // While the socket backs up, a newer snapshot replaces the one still waiting.
          channel === 0 ? 'link-phys' : undefined,
        ),
      () => this.scheduler.queuedBytes + (this.#socket?.bufferedAmount ?? 0),
      (channel, tag, body) =>
        this.sendEncoded(
          encodeTaggedDatagramFromServer(channel, tag, body, this.#clock.now()),
          'volatile',
          undefined,
          channel === 0 ? 'link-phys' : undefined,
        ),
      () => this.#socket !== undefined,
    );
    return this.#link;
  }

  /**
   * Closes a socket that has too much waiting (a player who cannot keep up, or never reads). What the
   * queue holds goes to the outbox now, in order; until the socket is gone, what is sent goes there too
   * (see `sendEncoded`), so nothing more piles up for it.
   */
  #cut(): void {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== socket.OPEN) return;
    socket.close(closeCodeFor(ErrorCode.OUTBOX_OVERFLOW), 'too much waiting: resume to catch up');
    this.onCut?.();
    this.scheduler.flush();
  }

  get socket(): WebSocket | undefined {
    return this.#socket;
  }

  get connected(): boolean {
    return this.#socket !== undefined;
  }

  attach(socket: WebSocket, address: string): void {
    this.#socket = socket;
    this.address = address;
    this.addressBlock = addressBlock(address);
    this.awaySince = undefined;
    this.#cancelGrace?.();
    this.#cancelGrace = undefined;
    this.#cancelHold?.();
    this.#cancelHold = undefined;
  }

  /**
   * A page going away asked for this session to be held at most `keepMs` for a reload (the leave
   * beacon's `keepMs`): if it is away `keepMs` from now, not taken over or resumed, it ends then
   * (`onExpire`), ahead of its grace period. A resume meanwhile (a reload's takeover, a page restored from
   * the back/forward cache) lets it go: a later drop has the whole grace period again.
   */
  holdAtMost(keepMs: number, onExpire: () => void): void {
    this.#cancelHold?.();
    this.#cancelHold = this.#clock.setTimeout(() => {
      this.#cancelHold = undefined;
      if (!this.#ended && this.#socket === undefined) onExpire();
    }, keepMs);
  }

  /** The socket is gone; `onExpire` runs if no resume arrives within `graceMs`. */
  detach(graceMs: number, onExpire: () => void): void {
    this.#socket = undefined;
    // Waiting sequenced messages join the outbox, to be replayed on resume; volatile ones are gone.
    this.scheduler.flush();
    this.awaySince = this.#clock.now();
    this.#cancelAck?.();
    this.#cancelAck = undefined;
    this.#graceMs = graceMs;
    this.#onGraceOver = onExpire;
    this.#cancelGrace?.();
    this.#cancelGrace = this.#clock.setTimeout(onExpire, graceMs);
  }

  /**
   * Holds the session, away, `ms` from its drop where that is longer than its grace period: its room holds
   * the player's seat that long (`Room.setReconnectionMs`, `holdSeat`), and the seat is worth nothing
   * without the session and what its outbox keeps for the player. `undefined` gives it back its grace
   * period, counted from the drop as ever (it ends at once if that is over). Never shorter than the grace
   * period: a room holding a seat less long lets the player go from the room itself, not the session.
   */
  holdAwayFor(ms: number | undefined): void {
    const since = this.awaySince;
    const onExpire = this.#onGraceOver;
    if (this.#ended || this.#socket !== undefined || since === undefined || onExpire === undefined) return;
    const heldMs = Math.max(this.#graceMs, ms ?? 0);
    this.#cancelGrace?.();
    this.#cancelGrace = this.#clock.setTimeout(onExpire, Math.max(0, since + heldMs - this.#clock.now()));
  }

  /** True once the session ended for good (closed, replaced or expired): nothing may seat it any more. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Why the session ended, as the room it was in heard it (`'left'` for a clean close, `SESSION_EXPIRED`
   * at grace expiry, ...): told to a room whose `onJoin` was still deciding when it ended.
   */
  get endReason(): LeaveReason | undefined {
    return this.#endReason;
  }

  /**
   * Runs `listener` once the session ends (at once if it has): for a wait on the player's behalf that
   * must not outlast them. Returns what takes it off.
   */
  onEnd(listener: () => void): () => void {
    if (this.#ended) {
      listener();
      return () => {};
    }
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** Ends the session for good, for `reason` (the first one given stays): no timers left behind. */
  end(reason: LeaveReason = ErrorCode.SESSION_EXPIRED): void {
    this.#endReason ??= reason;
    this.#ended = true;
    const listeners = [...this.#endListeners];
    this.#endListeners.clear();
    for (const listener of listeners) listener();
    this.#socket = undefined;
    this.roomRequestsWaiting.clear();
    // Their rooms rejected them as the player left, with the leave's reason; any left over go with this.
    const code = this.#endReason === 'left' ? ErrorCode.NOT_IN_ROOM : this.#endReason;
    this.requestsToPlayer.failAll(code, 'the session ended');
    this.physGate.clear();
    this.scheduler.clear();
    this.#link?.close();
    this.#cancelAck?.();
    this.#cancelGrace?.();
    this.#cancelHold?.();
    this.#cancelAck = undefined;
    this.#cancelGrace = undefined;
    this.#cancelHold = undefined;
  }

  send<K extends BodyKind>(
    kind: K,
    body: Body<K>,
    messageClass: MessageClass = 'reliable',
    ttlMs?: number,
  ): void {
    this.sendEncoded(encodeMessage(kind, body), messageClass, ttlMs);
  }

  /**
   * Answers a request (reliable); the newest answers are kept for `resendAnswers`. `outOfTurn`: the
   * request was answered without running (refused before its turn, while another one may be running):
   * what is held for the request running now (a join's `onJoin`) stays held until that one's answer.
   */
  respond(body: Body<typeof Kind.Response>, outOfTurn = false): void {
    const inner = encodeMessage(Kind.Response, body);
    this.#answers.push(inner);
    if (this.#answers.length > KEPT_ANSWERS) this.#answers.shift();
    this.sendEncoded(inner, 'reliable');
    if (outOfTurn) return;
    const held = this.#held;
    this.#held = undefined;
    if (held) for (const { inner, messageClass, ttlMs } of held) this.sendEncoded(inner, messageClass, ttlMs);
  }

  /**
   * Sends the reply to a room request (a RoomReply, reliable), kept among the newest for `resendAnswers`.
   * Kept apart from the answers: a room's stream of replies must not push a join's answer out.
   */
  reply(inner: Uint8Array): void {
    this.#replies.push(inner);
    if (this.#replies.length > KEPT_ANSWERS) this.#replies.shift();
    this.sendEncoded(inner, 'reliable');
  }

  /**
   * Holds a message until the answer to the request running now has gone: what a room sends a player
   * from `onJoin` is for a room the client does not know of before the join's answer.
   */
  holdUntilAnswered(inner: Uint8Array, messageClass: MessageClass, ttlMs: number | undefined): void {
    this.#held ??= [];
    this.#held.push({ inner, messageClass, ttlMs });
  }

  /** Drops what `holdUntilAnswered` held (the join it was for was refused). */
  dropHeld(): void {
    this.#held = undefined;
  }

  /**
   * Sends the newest answers again, after a resume whose outbox had dropped messages (a resync): an
   * answer among them would leave its request pending on the client for good. The client takes each
   * request's first answer and ignores the rest. The newest replies to room requests go again too.
   */
  resendAnswers(): void {
    for (const inner of this.#answers) this.sendEncoded(inner, 'reliable');
    for (const inner of this.#replies) this.sendEncoded(inner, 'reliable');
  }

  /**
   * Sends an already encoded inner message, so a broadcast encodes once for every recipient. While the
   * socket keeps up it goes at once; when it backs up, by priority (`key`: newer replaces older).
   */
  sendEncoded(inner: Uint8Array, messageClass: MessageClass, ttlMs?: number, key?: string): void {
    const socket = this.#socket;
    if (socket !== undefined && socket.readyState === socket.OPEN) {
      this.scheduler.send(priorityOf(inner), inner, messageClass, ttlMs, key);
      return;
    }
    // Away, or the socket is closing: sequenced messages wait in the outbox, nothing queues. What still
    // waited in the queue takes its numbers first, so the order stays.
    if (!this.scheduler.idle) this.scheduler.flush();
    this.#writeNow(inner, messageClass, ttlMs);
  }

  /** Writes one message; a sequenced one takes its number here. */
  #writeNow(inner: Uint8Array, messageClass: MessageClass, ttlMs: number | undefined): void {
    if (messageClass === 'volatile') {
      this.sendFrame(inner);
      return;
    }
    const frame = this.outbox.push(inner, this.#clock.now(), messageClass === 'expiring' ? ttlMs : undefined);
    if (frame) this.sendFrame(frame);
  }

  /** Writes a frame if a socket is open; frames of the sequenced stream wait in the outbox otherwise. */
  sendFrame(frame: Uint8Array): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== socket.OPEN) return;
    this.onFrameSent?.(frame);
    sendBinary(socket, frame);
  }

  /**
   * Records an inbound sequenced message; false for a duplicate. Schedules the cumulative ack. Throws
   * INVALID_MESSAGE for a number too far ahead (see Inbox), which breaks the stream for good.
   */
  accept(seq: number): boolean {
    if (!this.inbox.accept(seq)) return false;
    if (this.inbox.unacked >= this.#limits.ackEvery) this.flushAck();
    else this.#cancelAck ??= this.#scheduleAck();
    return true;
  }

  /** Apart from `accept`: its closure there made V8 allocate a context for every message received. */
  #scheduleAck(): Cancel {
    return this.#clock.setTimeout(() => this.flushAck(), this.#limits.ackDelayMs);
  }

  flushAck(): void {
    this.#cancelAck?.();
    this.#cancelAck = undefined;
    if (this.inbox.unacked === 0) return;
    this.inbox.markAcked();
    this.sendFrame(encodeMessage(Kind.Ack, { ack: this.inbox.received }));
    this.scheduler.checkWaiting(); // written around the scheduler, still counted
  }
}
