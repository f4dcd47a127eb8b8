import {
  type Cancel,
  type Clock,
  type Disposer,
  type Emitter,
  realClock,
  TokenBucket,
} from '../common/index.js';
import {
  type Body,
  closeCodeFor,
  type DatagramFromServerFields,
  DEFAULT_MAX_FRAME_BYTES,
  decodeFrame,
  ErrorCode,
  encodeMessage,
  errorCodeForClose,
  isWebSocketUrl,
  Kind,
  type LeaveReason,
  MAX_ENVELOPE_BYTES,
  type Message,
  type MessageClass,
  Outbox,
  PROTOCOL_VERSION,
  ProtocolError,
  readDatagramFromServerFrame,
  serverToClientKinds,
  withoutArrivalTag,
} from '../protocol/index.js';
import { priorityOf, type SendPriority, SendScheduler } from '../transport/index.js';
import { backoffDelay } from './backoff.js';
import type { ClientEvents, ConnectionState } from './client-events.js';
import type { ClientOptions } from './client-options.js';
import { watchDeadServer } from './dead-server-watch.js';
import { EntryPoints } from './entry-points.js';
import { fetchGuestToken, GuestTokenRefused, GuestTokenUnavailable, withToken } from './guest-token.js';
import { InboundAcks } from './inbound-acks.js';
import { sendLeaveBeacon } from './leave-beacon.js';
import { ServerClockEstimate } from './server-clock-estimate.js';
import { OPEN, sendFrame, type WebSocketConstructor, type WebSocketLike } from './web-socket.js';

const NO_BYTES = new Uint8Array(0);
/** WebSocket close code 1009 (RFC 6455): a frame was larger than the receiver takes. */
const MESSAGE_TOO_BIG = 1009;

/** Close codes after which retrying cannot help. */
const FATAL: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.PROTOCOL_VERSION_MISMATCH,
  ErrorCode.TOO_MANY_ERRORS,
  ErrorCode.HANDSHAKE_REJECTED,
  ErrorCode.SESSION_REPLACED,
]);
const REFRESH_TOKEN: ReadonlySet<ErrorCode> = new Set([ErrorCode.UNAUTHORIZED, ErrorCode.TOKEN_EXPIRED]);
const SESSION_LOST: ReadonlySet<ErrorCode> = new Set([ErrorCode.SESSION_EXPIRED, ErrorCode.RESUME_REJECTED]);

/** What the session connection tells the client it serves. */
export interface ConnectionHooks {
  /** Every message the connection does not handle itself (responses, errors, room traffic). */
  message(message: Message): void;
  /** A DatagramFromServer (every snapshot in TCP mode), as its fields rather than a decoded message. */
  datagram(c: number, p: Uint8Array, t: number): void;
  /** The server no longer has our session (or we moved to another): rooms and pending requests are gone. */
  sessionLost(reason: LeaveReason, code: ErrorCode, message: string): void;
  /** Closed for good: called before the 'closed' event. */
  finished(code: ClientEvents['closed']['code'], message: string): void;
  /** Whether to ask for a direct server link in the hello. */
  wantsServerLink(): boolean;
  /** The welcome arrived: `fresh` when it began a new session (not a resume). */
  welcomed(body: Body<typeof Kind.Welcome>, fresh: boolean): void;
  /**
   * A sequenced message that was accepted when sent is dropped unsent: the server's frame limit turned
   * out smaller than it (`error` says so). A request among them must fail rather than wait for ever.
   */
  dropped(inner: Uint8Array, error: ProtocolError): void;
  /**
   * A frame from the server could not be read (`error` is emitted too). With a readable request id
   * (`error.rid`) it answered that request, which must fail now rather than wait for ever.
   */
  unreadable?(error: ProtocolError): void;
}

/**
 * One session over successive sockets: opens them, says hello (resuming when it can), keeps the
 * sequenced stream both ways, heartbeats, detects a dead server and reconnects with backoff.
 */
export class SessionConnection {
  readonly #events: Emitter<ClientEvents>;
  readonly #hooks: ConnectionHooks;
  readonly #clock: Clock;
  readonly #options: ClientOptions;
  /** The server now, and where a fresh session may begin: `url`, then `fallbackUrls`. */
  readonly #entries: EntryPoints;
  readonly #WebSocket: WebSocketConstructor;
  readonly #random: () => number;
  #state: ConnectionState = 'idle';
  #socket: WebSocketLike | undefined;
  #generation = 0;
  #welcomed = false;
  #session: { playerId: string; resumeToken: string; name: string } | undefined;
  #outbox: Outbox;
  /** Orders what waits when the socket backs up: control > inputs > relay. */
  readonly #scheduler: SendScheduler;
  /** 90% of the server's announced rate limit, for everything but control (which keeps the rest). */
  #sendBudget: TokenBucket | undefined;
  /** Tokens relayed peer data leaves in the send budget for inputs and room messages. */
  #relayReserve = 0;
  /** The server's rate the send budget was made for (from the welcome). */
  #budgetRate: Rate | undefined;
  /**
   * Sequence numbers of the messages written in turn within the send budget after a resume: the replay
   * of what the server missed (up to the whole outbox, 1,024 messages), then anything sent meanwhile, in
   * seq order; each frame is made from the outbox when its turn comes. Written at once, a long replay
   * went past the server's burst and got the socket cut off.
   */
  #paced: number[] = [];
  /** Expiring messages of a paced replay whose life ran out before their turn came. */
  #expiredPaced = 0;
  #cancelPacing: Cancel | undefined;
  /** A `close()` waiting for what was held back to be written. */
  #closing: Flush | undefined;
  readonly #acks: InboundAcks;
  /** Where each DatagramFromServer is read: one record, not a frame, message and body per snapshot. */
  readonly #datagram: DatagramFromServerFields = { c: 0, p: NO_BYTES, t: 0 };
  #token: string | undefined;
  /** The guest token the server said had expired: renewed on the next attempt (see `#getToken`). */
  #expiredToken: string | undefined;
  /** Attempts at the server now (restarting at a move to another): what failover and backoff go by. */
  #attempts = 0;
  /**
   * Attempts since the last welcome, across failovers: what `maxReconnectAttempts` counts. Counted per
   * server, a client with fallbacks moved between dead entry points for ever and never gave up.
   */
  #attemptsInARow = 0;
  #droppedAt: number | undefined;
  #lastHeard = 0;
  #heartbeatMs = 5_000;
  #nextPingId = 0;
  /** What waits for the pong of a ping of `afterServerCaughtUp`, by the ping's id (this socket's only). */
  readonly #caughtUp = new Map<number, () => void>();
  #bye: { code: ErrorCode; message: string } | undefined;
  #cancelReconnect: Cancel | undefined;
  #cancelConnectTimeout: Cancel | undefined;
  #cancelHeartbeat: Cancel | undefined;
  #disposeOnline: Disposer | undefined;
  readonly #serverClock = new ServerClockEstimate();
  /** The largest frame the server takes: from its welcome, lowered by a 1009 close (see `#frameRefused`). */
  #maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  /**
   * Below the smallest frame a server refused with 1009 (Infinity: none was): kept across welcomes, since
   * the refusal may have come from something in between that no welcome speaks for.
   */
  #refusedFrom = Number.POSITIVE_INFINITY;
  /** The largest frame written on the current socket: what a 1009 close is blamed on. */
  #largestWritten = 0;

  constructor(options: ClientOptions, events: Emitter<ClientEvents>, hooks: ConnectionHooks) {
    this.#options = options;
    this.#events = events;
    this.#hooks = hooks;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#entries = new EntryPoints(options.url, options.fallbackUrls);
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ctor) {
      throw new TypeError(
        "no WebSocket here: pass { WebSocket } (in Node 20: import { WebSocket } from 'ws')",
      );
    }
    this.#WebSocket = ctor;
    this.#outbox = this.#newOutbox();
    this.#acks = new InboundAcks(this.#clock, options, (received) =>
      this.#writeControl(encodeMessage(Kind.Ack, { ack: received })),
    );
    this.#scheduler = new SendScheduler({
      clock: this.#clock,
      buffered: () => this.#socket?.bufferedAmount ?? 0,
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
      expired: scheduler.expired + this.#expiredPaced,
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get session(): { playerId: string; name: string } | undefined {
    return this.#session;
  }
  /** Newest heartbeat round trip in ms. */
  get rttMs(): number {
    return this.#serverClock.rttMs;
  }

  /**
   * Server time minus local time, in ms, as `serverNow()` applies it: slewed toward the estimate from the
   * heartbeats (see {@link ServerClockEstimate}), so it moves at most 1 ms per 100 ms but for a step at
   * the first welcome or over an error of more than a second.
   */
  get clockOffsetMs(): number {
    return this.#serverClock.offsetMs(this.#clock.now());
  }

  /** The server's clock now, in ms: never runs backwards, but for a step over an error beyond a second. */
  serverNow(): number {
    return this.#serverClock.serverNow(this.#clock.now());
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** The largest frame the server takes, in bytes (its welcome says; 64 KiB until one does). */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }
  /**
   * The server this connection talks to now (it changes when the client moves to another node), as its
   * operator named it: without the tag of a drain that sent the client there (see `withoutArrivalTag`).
   */
  get url(): string {
    return withoutArrivalTag(this.#entries.current);
  }

  /** Whether this client has an entry point other than the server it is on to go to (`fallbackUrls`). */
  get hasFallback(): boolean {
    return this.#entries.next(this.#clock.now()) !== undefined;
  }

  /**
   * How much longer, in ms, `url` counts as down (0: it does not): this client gave up on it (no answer
   * after `failoverAfterAttempts`) less than 10 s ago.
   */
  unreachableForMs(url: string): number {
    return this.#entries.unreachableForMs(url, this.#clock.now());
  }

  /**
   * Ends this session and begins a fresh one at `url`, another node of the cluster. The session's room
   * is left with `reason`. Resolves at the new server's welcome; rejects if the client closes first (or
   * is closed already: NOT_CONNECTED).
   */
  moveTo(url: string, reason: LeaveReason, code: ErrorCode, message: string): Promise<void> {
    // Closed already (between a redirect's answer and the move, say), there is no move and no event to
    // wait for: the promise would never settle, and the join following the redirect with it.
    if (this.#state === 'closed') {
      return Promise.reject(
        new ProtocolError(ErrorCode.NOT_CONNECTED, `moving to ${url} failed: the client is closed`),
      );
    }
    const welcomed = new Promise<void>((resolve, reject) => {
      const disposers = [
        this.#events.once('open', () => {
          for (const dispose of disposers) dispose();
          resolve();
        }),
        this.#events.once('closed', (closed) => {
          for (const dispose of disposers) dispose();
          reject(new ProtocolError(code, `moving to ${url} failed: ${closed.message}`));
        }),
      ];
    });
    this.#move(url, reason, code, message);
    return welcomed;
  }

  /** A `close()` still writing what was held back, before it closes (undefined: none). */
  get closing(): Promise<number> | undefined {
    return this.#closing?.done;
  }

  /**
   * Calls `then` once the server has answered a ping sent now: by then everything it wrote before reading
   * the ping has been read (at a welcome: the resume's replay, and a resync's RoomState, which the server
   * writes in the same go). Never called if the socket goes first; nothing is sent without one.
   */
  afterServerCaughtUp(then: () => void): void {
    if (this.#socket === undefined) return;
    const id = this.#nextPingId++ >>> 0;
    this.#caughtUp.set(id, then);
    this.#writeControl(encodeMessage(Kind.Ping, { id, t: this.#clock.now() }));
  }

  /** Starts connecting unless already connecting or open. */
  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'closed') return;
    this.#bye = undefined;
    this.#attempts = 0;
    this.#attemptsInARow = 0;
    this.#setState('connecting');
    this.#watchOnline();
    void this.#openSocket();
  }

  /**
   * Ends the session: the server frees our seat at once. Sequenced messages still held back (by the rate
   * limit or a backed-up socket) are written first, for at most `flushMs`; resolves with how many of
   * them could not be (0: all were written before the socket closed), once closed. Called while one
   * writes, it returns that one's promise, with the earlier of the two deadlines.
   */
  close(flushMs = 0): Promise<number> {
    if (this.#state === 'closed') return Promise.resolve(0);
    const deadline = this.#clock.now() + flushMs;
    const flushing = this.#closing;
    if (flushing) {
      // Calls made while it flushes share it, but a shorter wait wins: a page going away
      // (`closeForUnload`, flushMs 0) cannot wait out the 3 s of a close made just before.
      if (deadline < flushing.deadline) {
        flushing.deadline = deadline;
        flushing.attempt();
      }
      return flushing.done;
    }
    let settled = false;
    let cancelRetry: Cancel | undefined;
    const flush: Flush = { deadline, attempt: () => {}, done: Promise.resolve(0) };
    flush.done = new Promise<number>((resolve) => {
      flush.attempt = () => {
        if (settled) return;
        cancelRetry?.();
        cancelRetry = undefined;
        if (this.#state === 'closed') {
          settled = true;
          resolve(0);
          return;
        }
        const unsent = this.#unsent();
        if (unsent > 0 && this.#state === 'open' && this.#clock.now() < flush.deadline) {
          cancelRetry = this.#clock.setTimeout(flush.attempt, 10);
          return;
        }
        const socket = this.#socket;
        settled = true;
        this.#finish('CLOSED_BY_CLIENT', 'closed by the client', unsent);
        socket?.close(1000, 'bye');
        resolve(unsent);
      };
      flush.attempt();
    });
    // Kept while it flushes; once settled it is forgotten (one that closed at once is never kept), so
    // that a close after a later `connect()` ends that session rather than answering with this.
    if (!settled) {
      this.#closing = flush;
      void flush.done.finally(() => {
        if (this.#closing === flush) this.#closing = undefined;
      });
    }
    return flush.done;
  }

  /**
   * Hands the browser a beacon that ends the session on the server it lives on (see `sendLeaveBeacon`),
   * for a page going away, whose socket may drop before its closing frame is out. Call before `close()`,
   * which forgets the session. False when none was sent: no session (yet), or no beacons here (Node).
   */
  sendLeaveBeacon(): boolean {
    const session = this.#session;
    if (session === undefined) return false;
    return sendLeaveBeacon(this.#entries.current, {
      playerId: session.playerId,
      token: session.resumeToken,
    });
  }

  /**
   * Sequenced messages sent that would not reach the server were the client closed now: those still
   * waiting to be written when open, and everything unacked when not.
   */
  #unsent(): number {
    if (this.#state === 'open') return this.#scheduler.queuedSequenced + this.#paced.length;
    return this.#outbox.size;
  }

  /**
   * Sends now if open, dropped otherwise (the volatile class). Never waits behind the rate limit or a
   * backed-up socket: what cannot go at once is dropped (counted in `sendStats`), except that with a
   * `key` the newest one waits, replacing an older one with that key (a peer's `phys` sample).
   * `priority` overrides the one the message's kind gives (see `priorityOf`).
   */
  sendVolatile(frame: Uint8Array, key?: string, priority: SendPriority = priorityOf(frame)): void {
    this.#refuseOverLimit(frame.length);
    if (this.#state === 'open') this.#scheduler.send(priority, frame, 'volatile', undefined, key);
  }

  /**
   * Queues for replay and sends when connected; throws OUTBOX_OVERFLOW when the buffer is full, and
   * MESSAGE_TOO_LARGE for a message whose frame would be over the server's limit. `reserved`: a goodbye
   * (a relay link's, or a room's leave), which may take the small room held back past the limits
   * (OUTBOX_RESERVE) when they are reached: refused, it would leave the peer's link going on with a stream
   * whose other end is closed, or the player seated in a room the app has left.
   */
  sendSequenced(inner: Uint8Array, ttlMs?: number, behindWaiting = false, reserved = false): void {
    this.#refuseOverLimit(inner.length + MAX_ENVELOPE_BYTES);
    const waiting = this.#scheduler.queuedSequenced;
    if (!this.#outbox.hasRoomFor(waiting + 1, this.#scheduler.queuedBytes + inner.length, reserved)) {
      throw new ProtocolError(
        ErrorCode.OUTBOX_OVERFLOW,
        'too many messages waiting for the server: try again later',
      );
    }
    const messageClass = ttlMs === undefined ? 'reliable' : 'expiring';
    // Behind everything waiting: a leave or a join after the messages sent to the room before it.
    if (this.#state === 'open' && behindWaiting) this.#scheduler.sendBehindWaiting(inner, messageClass);
    else if (this.#state === 'open') this.#scheduler.send(priorityOf(inner), inner, messageClass, ttlMs);
    else this.#writeNow(inner, messageClass, ttlMs); // into the outbox, replayed once connected
  }

  /**
   * Throws MESSAGE_TOO_LARGE for a frame the server would refuse by closing the socket (1009): before
   * anything is queued, so that nothing is replayed into the same refusal on every resume.
   */
  #refuseOverLimit(frameBytes: number): void {
    if (frameBytes <= this.#maxFrameBytes) return;
    throw new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `a message of ${frameBytes.toLocaleString('en-US')} bytes with its frame is over the server's limit of ${this.#maxFrameBytes.toLocaleString('en-US')} bytes`,
    );
  }

  /** Writes one message; a sequenced one takes its number here (room was checked when it was sent). */
  #writeNow(inner: Uint8Array, messageClass: MessageClass, ttlMs: number | undefined): void {
    if (messageClass === 'volatile') {
      if (this.#state === 'open') this.#write(inner);
      return;
    }
    const frame = this.#outbox.push(
      inner,
      this.#clock.now(),
      messageClass === 'expiring' ? ttlMs : undefined,
    );
    if (frame === undefined || this.#state !== 'open') return;
    // Behind any still waiting for the send budget: the sequence order must hold.
    if (this.#paced.length > 0) this.#paced.push(this.#outbox.lastSeq);
    else this.#write(frame);
  }

  /**
   * Writes waiting messages while the budget allows, then comes back when the next token is due. Each
   * frame is made as it is written: an expiring message states what is left of its life then, and one
   * whose life ran out while it waited is not sent (counted as expired).
   */
  #writePaced(): void {
    this.#cancelPacing = undefined;
    const budget = this.#sendBudget;
    let written = 0;
    while (written < this.#paced.length) {
      const now = this.#clock.now();
      const frame = this.#outbox.frameOf(this.#paced[written] as number, now);
      if (frame === undefined) {
        this.#expiredPaced++;
        written++;
        continue;
      }
      if (!(budget?.take(now) ?? true)) break;
      this.#write(frame);
      written++;
    }
    this.#paced.splice(0, written);
    if (this.#paced.length === 0 || budget === undefined) return;
    this.#cancelPacing = this.#clock.setTimeout(
      () => this.#writePaced(),
      budget.msUntilToken(this.#clock.now()),
    );
  }

  /**
   * Writes an ack, ping or pong at once, charged to the send budget: the server counts them against its
   * rate limit like any frame, so what can wait holds back by as much (a client sending at its whole
   * budget went past the limit by its acks, up to 20 a second).
   */
  #writeControl(frame: Uint8Array): void {
    this.#sendBudget?.charge(this.#clock.now());
    this.#write(frame);
  }

  #write(frame: Uint8Array): void {
    const socket = this.#socket;
    if (socket && socket.readyState === OPEN) {
      if (frame.length > this.#largestWritten) this.#largestWritten = frame.length;
      sendFrame(socket, frame);
    }
  }

  async #openSocket(): Promise<void> {
    const generation = ++this.#generation;
    this.#welcomed = false;
    // A goodbye is its own socket's: one from a socket given up on before its close came (a connect or
    // heartbeat timeout) would otherwise end this one at its next drop, which should reconnect.
    this.#bye = undefined;
    this.#largestWritten = 0;
    // The timeout covers the whole attempt, getting a token included: a guest token request that was
    // never answered (a server that accepts and stalls, a network switched under the request) held the
    // client at 'connecting' for ever, with no retry, failover or `maxReconnectAttempts` to end it.
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    let socket: WebSocketLike | undefined;
    let giveUpToken: ((error: Error) => void) | undefined;
    this.#cancelConnectTimeout?.();
    this.#cancelConnectTimeout = this.#clock.setTimeout(() => {
      if (generation !== this.#generation || this.#welcomed) return;
      if (socket !== undefined) this.#abandon(socket, 'connect timeout');
      else giveUpToken?.(this.#tokenTimeout(connectTimeoutMs));
    }, connectTimeoutMs);
    let token: string;
    try {
      token = await new Promise<string>((resolve, reject) => {
        giveUpToken = reject;
        this.#getToken().then(resolve, reject);
      });
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof GuestTokenRefused) {
        // A bad request, no guest endpoint, an origin not allowed: asking again would get the same.
        this.#finish(error.code, error.message);
        return;
      }
      // A guest endpoint that is down is not a refusal; what the app's own token source throws is its
      // business, and stays UNAUTHORIZED as before.
      const code = error instanceof GuestTokenUnavailable ? error.code : ErrorCode.UNAUTHORIZED;
      const why = error instanceof GuestTokenUnavailable ? error.message : String(error);
      this.#events.emit('error', new ProtocolError(code, `could not get a token: ${why}`, { cause: error }));
      this.#scheduleReconnect();
      return;
    }
    if (generation !== this.#generation || this.#state === 'closed') return;
    try {
      socket = new this.#WebSocket(withToken(this.#entries.current, token));
    } catch (error) {
      this.#events.emit(
        'error',
        new ProtocolError(ErrorCode.HANDSHAKE_REJECTED, `bad server URL: ${String(error)}`),
      );
      this.#finish(ErrorCode.HANDSHAKE_REJECTED, 'bad server URL');
      return;
    }
    this.#socket = socket;
    // Node's `ws` starts with 'nodebuffer', handing over its own Buffer (with 'arraybuffer' it copies every
    // message): kept. Anything else (a browser's 'blob') becomes 'arraybuffer'. Not set to 'nodebuffer'
    // and read back: a browser warns in the console of an unknown enum value on every connect.
    if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (generation !== this.#generation) return;
      const resume = this.#session && {
        playerId: this.#session.playerId,
        token: this.#session.resumeToken,
        ack: this.#acks.received,
        attempt: generation,
      };
      const link = this.#hooks.wantsServerLink() ? { link: true } : {};
      this.#write(encodeMessage(Kind.Hello, { v: PROTOCOL_VERSION, ...(resume ? { resume } : {}), ...link }));
    };
    socket.onmessage = (event) => {
      if (generation === this.#generation) this.#onData(event.data);
    };
    socket.onclose = (event) => {
      if (generation === this.#generation) this.#onSocketClosed(event.code, event.reason);
    };
    socket.onerror = () => {}; // a close event always follows
  }

  /** Why a token that did not come within the connect timeout is given up on: as its source's failure. */
  #tokenTimeout(connectTimeoutMs: number): Error {
    const within = `no answer within ${connectTimeoutMs.toLocaleString('en-US')} ms`;
    if (this.#options.token !== undefined) return new Error(`the token function gave ${within}`);
    return new GuestTokenUnavailable(ErrorCode.NODE_UNREACHABLE, `guest token request: ${within}`);
  }

  #onSocketClosed(code: number, reason: string): void {
    this.#socket = undefined;
    // Waiting sequenced messages join the outbox, to be replayed once connected again.
    this.#scheduler.flush();
    this.#stopConnectionTimers();
    if (this.#state === 'closed') return;
    if (code === MESSAGE_TOO_BIG) this.#frameRefused();
    const errorCode = errorCodeForClose(code);
    if (
      this.#bye?.code === ErrorCode.SERVER_DRAINING ||
      (!this.#bye && errorCode === ErrorCode.SERVER_DRAINING)
    ) {
      // The server is going away for a deploy and names a live node (or we pick another entry point).
      const named = this.#bye?.message ?? '';
      const target = isWebSocketUrl(named) ? named : this.#entries.next(this.#clock.now());
      if (target !== undefined) {
        this.#move(target, ErrorCode.SERVER_DRAINING, ErrorCode.SERVER_DRAINING, 'the server was drained');
        return;
      }
    }
    if (this.#bye) {
      this.#finish(this.#bye.code, this.#bye.message);
      return;
    }
    if (errorCode !== undefined && FATAL.has(errorCode)) {
      this.#finish(errorCode, reason || errorCode);
      return;
    }
    if (errorCode !== undefined && REFRESH_TOKEN.has(errorCode)) {
      if (typeof this.#options.token === 'string') {
        this.#finish(errorCode, reason || 'the server refused the token');
        return;
      }
      // Fetch a fresh one on the next attempt; an expired guest token is renewed (same guest), so the
      // session, which is bound to the guest, can still be resumed.
      if (errorCode === ErrorCode.TOKEN_EXPIRED && this.#options.token === undefined) {
        this.#expiredToken = this.#token;
      }
      this.#token = undefined;
    }
    if (errorCode !== undefined && SESSION_LOST.has(errorCode)) {
      this.#loseSession(ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_EXPIRED, reason || errorCode);
      // As for a move: the app may have closed the client from a room-left handler.
      if ((this.#state as ConnectionState) === 'closed') return;
      this.#events.emit('session-expired', { message: reason || errorCode });
    }
    this.#markDropped(code, reason);
    this.#scheduleReconnect();
  }

  /**
   * The server closed the socket for a frame over its limit (1009): one smaller than this client took it
   * to be (an older server announces none, or what was queued before the welcome). The refused frame is
   * at most the largest one written on that socket, and ws reads nothing after it, so that largest frame
   * was over the limit too: the limit is taken as below it from now on, and what waits in the outbox over
   * it is dropped with an `error`, instead of being replayed into the same refusal on every resume.
   */
  #frameRefused(): void {
    const largest = this.#largestWritten;
    if (largest > 0) {
      this.#refusedFrom = Math.min(this.#refusedFrom, largest);
      this.#maxFrameBytes = Math.min(this.#maxFrameBytes, largest - 1);
    }
    const why = `the server refused a frame of ${largest.toLocaleString('en-US')} bytes (1009)`;
    if (!this.#dropOversized(why)) this.#events.emit('error', this.#tooLarge(why, 0));
  }

  /**
   * Drops the unacked messages over the frame limit, telling the client (a request among them fails) and
   * the app (`error`). Whether any were dropped.
   */
  #dropOversized(why: string): boolean {
    const dropped = this.#outbox.dropLargerThan(this.#maxFrameBytes - MAX_ENVELOPE_BYTES);
    if (dropped.length === 0) return false;
    const error = this.#tooLarge(why, dropped.length);
    for (const inner of dropped) this.#hooks.dropped(inner, error);
    this.#events.emit('error', error);
    return true;
  }

  #tooLarge(why: string, dropped: number): ProtocolError {
    const limit = this.#maxFrameBytes.toLocaleString('en-US');
    const lost = dropped === 1 ? '1 message' : `${dropped} messages`;
    return new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `${why}: ${dropped > 0 ? `${lost} over it dropped unsent; ` : ''}frames over ${limit} bytes are refused from now on`,
    );
  }

  /** Gives up on a socket that went silent or never welcomed us, and reconnects. */

  #abandon(socket: WebSocketLike, reason: string): void {
    this.#generation++;
    this.#socket = undefined;
    // As for a closed socket: what waits takes its sequence number now, ahead of anything sent while
    // reconnecting, which goes straight to the outbox.
    this.#scheduler.flush();
    this.#stopConnectionTimers();
    try {
      // Not 1000: the server must keep our seat, as for any other drop.
      socket.close(closeCodeFor(ErrorCode.HEARTBEAT_TIMEOUT), reason);
    } catch {
      // already closing
    }
    this.#markDropped(closeCodeFor(ErrorCode.HEARTBEAT_TIMEOUT), reason);
    this.#scheduleReconnect();
  }

  #markDropped(code: number, reason: string): void {
    if (this.#state === 'open') {
      this.#droppedAt = this.#clock.now();
      this.#setState('reconnecting');
      this.#events.emit('drop', { code, reason });
    } else if (this.#state === 'connecting' && this.#session) {
      this.#setState('reconnecting');
    }
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed') return;
    // Before failing over: the next entry point would be one more attempt past the limit.
    const limit = this.#options.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
    if (this.#attemptsInARow >= limit) {
      this.#finish('GAVE_UP', `no connection after ${this.#attemptsInARow} attempts`);
      return;
    }
    this.#attemptsInARow++;
    if (this.#attempts >= (this.#options.failoverAfterAttempts ?? 5)) {
      const now = this.#clock.now();
      this.#entries.unreachable(this.#entries.current, now);
      const next = this.#entries.next(now);
      if (next !== undefined) {
        const message = `no answer from ${this.#entries.current} after ${this.#attempts} attempts`;
        this.#move(next, ErrorCode.NODE_UNREACHABLE, ErrorCode.NODE_UNREACHABLE, message);
        return;
      }
    }
    const delay = backoffDelay(this.#attempts, this.#options.backoff, this.#random);
    this.#attempts++;
    this.#cancelReconnect?.();
    this.#cancelReconnect = this.#clock.setTimeout(() => {
      this.#cancelReconnect = undefined;
      void this.#openSocket();
    }, delay);
  }

  /** The browser says the network is back: try now rather than wait out the backoff. */

  #watchOnline(): void {
    const target = globalThis as {
      addEventListener?: (type: string, fn: () => void) => void;
      removeEventListener?: (type: string, fn: () => void) => void;
    };
    if (this.#disposeOnline || typeof target.addEventListener !== 'function') return;
    const onOnline = () => {
      // Waiting out a backoff, after a drop or before the first welcome (a game opened offline).
      if ((this.#state !== 'reconnecting' && this.#state !== 'connecting') || !this.#cancelReconnect) return;
      this.#cancelReconnect();
      this.#cancelReconnect = undefined;
      void this.#openSocket();
    };
    target.addEventListener('online', onOnline);
    this.#disposeOnline = () => target.removeEventListener?.('online', onOnline);
  }

  #finish(code: ClientEvents['closed']['code'], message: string, unsent = 0): void {
    if (this.#state === 'closed') return;
    if (unsent > 0) {
      const messages = unsent === 1 ? '1 reliable message' : `${unsent} reliable messages`;
      this.#events.emit(
        'error',
        new ProtocolError(
          ErrorCode.NOT_CONNECTED,
          `closed with ${messages} not sent (held back by the rate limit or a lost connection): they may not reach the server`,
        ),
      );
    }
    this.#generation++;
    this.#socket = undefined;
    this.#stopConnectionTimers();
    this.#cancelReconnect?.();
    this.#cancelReconnect = undefined;
    this.#disposeOnline?.();
    this.#disposeOnline = undefined;
    this.#hooks.finished(code, message);
    this.#session = undefined;
    // A drop before the close is no downtime of a later `connect()`'s: its 'reconnect' said the hours the
    // client lay closed were.
    this.#droppedAt = undefined;
    this.#scheduler.clear();
    this.#outbox = this.#newOutbox();
    this.#acks.reset();
    this.#setState('closed');
    this.#events.emit('closed', { code, message });
  }

  /** The server no longer knows our session: everything tied to it is gone. */
  #loseSession(reason: LeaveReason, code: ErrorCode, message: string): void {
    this.#session = undefined;
    this.#scheduler.clear();
    this.#outbox = this.#newOutbox();
    this.#acks.reset();
    this.#hooks.sessionLost(reason, code, message);
  }

  /** Leaves this server (and the session on it) for a fresh session at `url`. */
  #move(url: string, reason: LeaveReason, code: ErrorCode, message: string): void {
    if (this.#state === 'closed') return;
    const socket = this.#socket;
    this.#generation++;
    this.#socket = undefined;
    this.#stopConnectionTimers();
    this.#cancelReconnect?.();
    this.#cancelReconnect = undefined;
    this.#bye = undefined;
    try {
      // 1000: a clean leave, so the old server frees our seat at once.
      socket?.close(1000, 'moving to another server');
    } catch {
      // already closing
    }
    this.#entries.moveTo(url);
    this.#attempts = 0;
    if (this.#state === 'open') {
      this.#droppedAt = this.#clock.now();
      this.#setState('reconnecting');
    }
    // After the URL switch: whatever the app sends from its room-left handler goes to the new server.
    // Only a session's own is lost: without one (a failover before the first welcome, or after the
    // session expired) what was sent meanwhile waits for the new server's session, as it would have for
    // this one's (it used to fail NODE_UNREACHABLE, though the client connected at the next entry point).
    if (this.#session !== undefined) this.#loseSession(reason, code, message);
    // Closed by the app from a room-left handler just now: no 'moved' after 'closed', and no new socket.
    // (TypeScript cannot know the handlers ran and may have changed the state.)
    if ((this.#state as ConnectionState) === 'closed') return;
    // The node's URL, not the drain's tag on it (which only the node it lands on reads).
    this.#events.emit('moved', { url: withoutArrivalTag(url), code });
    void this.#openSocket();
  }

  #stopConnectionTimers(): void {
    // A pong can only come on the socket its ping went out on.
    this.#caughtUp.clear();
    // Frames waiting for the budget stay in the outbox: the next welcome replays them.
    this.#cancelPacing?.();
    this.#cancelPacing = undefined;
    this.#paced = [];
    this.#cancelConnectTimeout?.();
    this.#cancelHeartbeat?.();
    this.#acks.stop();
    this.#cancelConnectTimeout = undefined;
    this.#cancelHeartbeat = undefined;
  }

  async #getToken(): Promise<string> {
    const source = this.#options.token;
    if (typeof source === 'string') return source;
    if (this.#token !== undefined) return this.#token;
    if (typeof source === 'function') {
      this.#token = await source();
      return this.#token;
    }
    const expired = this.#expiredToken;
    if (expired !== undefined) {
      // Not renewable (expired too long ago, or the server's secret changed): a new guest. Only on that
      // refusal: a renewal that failed on the way (no answer, a 5xx) is asked for again next attempt, as a
      // new guest's token would have the resume refused (RESUME_REJECTED) and the seat lost with it.
      this.#token = await fetchGuestToken(this.#entries.current, this.#options.name, expired).catch(
        (error: unknown) => {
          if (!(error instanceof GuestTokenRefused)) throw error;
          return fetchGuestToken(this.#entries.current, this.#options.name);
        },
      );
      this.#expiredToken = undefined;
      return this.#token;
    }
    this.#token = await fetchGuestToken(this.#entries.current, this.#options.name);
    return this.#token;
  }

  #onData(data: unknown): void {
    this.#lastHeard = this.#clock.now();
    // The server sends only binary frames: an ArrayBuffer in a browser, a Buffer from Node's `ws`.
    const received =
      data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : undefined;
    if (!received) {
      // Something else answers on this URL (a proxy's notice, another service on the path): said, as an
      // undecodable frame is, where dropped in silence the app could not tell why nothing arrived.
      if (typeof data === 'string') {
        const what = 'a text frame: the server sends binary frames only';
        this.#events.emit('error', new ProtocolError(ErrorCode.BAD_FRAME, what));
      }
      return;
    }
    // Snapshots, 20 a second or more: read in place when in the shape our server writes (a bare frame,
    // nothing to sequence or ack); anything else, malformed frames included, goes through the decoder.
    if (readDatagramFromServerFrame(received, this.#datagram)) {
      const datagram = this.#datagram;
      const payload = datagram.p;
      datagram.p = NO_BYTES; // the record must not keep the newest message's buffer alive
      this.#hooks.datagram(datagram.c, payload, datagram.t);
      return;
    }
    // A plain Uint8Array view: payloads read out of it must behave as Uint8Arrays (a Buffer's `slice`
    // does not copy).
    const bytes = new Uint8Array(received.buffer, received.byteOffset, received.byteLength);
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(bytes, serverToClientKinds);
    } catch (error) {
      const unreadable =
        error instanceof ProtocolError ? error : new ProtocolError(ErrorCode.BAD_FRAME, 'undecodable frame');
      this.#events.emit('error', unreadable);
      this.#hooks.unreadable?.(unreadable);
      return;
    }
    if (frame.envelope !== 'bare') {
      if (!this.#acks.accept(frame.seq)) return;
    }
    this.#onMessage(frame.message);
  }

  #onMessage(message: Message): void {
    switch (message.kind) {
      case Kind.Welcome:
        this.#onWelcome(message.body);
        return;
      case Kind.Bye:
        this.#bye = { code: message.body.code, message: message.body.message };
        return;
      case Kind.Ping:
        this.#writeControl(
          encodeMessage(Kind.Pong, { id: message.body.id, t: message.body.t, rt: this.#clock.now() }),
        );
        return;
      case Kind.Pong: {
        this.#serverClock.pong(message.body.t, message.body.rt, this.#clock.now());
        const then = this.#caughtUp.get(message.body.id);
        this.#caughtUp.delete(message.body.id);
        then?.();
        return;
      }
      case Kind.Ack:
        this.#outbox.ack(message.body.ack);
        return;
      default:
        this.#hooks.message(message);
    }
  }

  #onWelcome(body: Body<typeof Kind.Welcome>): void {
    const wasResume = this.#session !== undefined;
    // The newest message the server has, or that went out on this socket since it began a new session.
    let written = body.ack;
    if (!body.resumed && wasResume) {
      const sent = this.#sessionReplaced();
      if (sent === undefined) return;
      written = Math.max(written, sent);
    }
    this.#welcomed = true;
    this.#cancelConnectTimeout?.();
    this.#cancelConnectTimeout = undefined;
    this.#session = { playerId: body.playerId, resumeToken: body.resumeToken, name: body.name };
    this.#heartbeatMs = body.heartbeatMs;
    // A resumed session's rate on the server goes on from where the last connection left it, so the
    // budget that mirrors it does too; a new session starts both afresh.
    if (!body.resumed || !sameRate(this.#budgetRate, body.rate)) {
      const capacity = body.rate ? Math.max(1, Math.floor(body.rate.burst * 0.9)) : 0;
      this.#sendBudget = body.rate
        ? new TokenBucket(capacity, Math.max(0.01, body.rate.perSecond * 0.9), this.#clock.now())
        : undefined;
      this.#budgetRate = body.rate;
      // A tenth of the bucket (none in a bucket under ten): room for the inputs and messages that come
      // while the relay waits, and never so much that the relay could not go at all.
      this.#relayReserve = Math.floor(capacity / 10);
    }
    this.#serverClock.welcomed(body.serverTime, this.#clock.now());
    const limit = Math.min(body.maxFrameBytes ?? this.#maxFrameBytes, this.#refusedFrom - 1);
    if (limit !== this.#maxFrameBytes) {
      this.#maxFrameBytes = limit;
      // What the server already has is not dropped; what was sent before this welcome said how large a
      // frame may be (while connecting, say) and is over it is.
      this.#outbox.ack(body.ack);
      this.#dropOversized(`the server takes frames of at most ${limit.toLocaleString('en-US')} bytes`);
    }
    const attempts = this.#attempts;
    this.#attempts = 0;
    this.#attemptsInARow = 0;
    this.#paced = this.#outbox.replaySeqs(body.ack, this.#clock.now()).filter((seq) => seq > written);
    this.#writePaced();
    this.#startHeartbeat();
    const downtimeMs = this.#droppedAt === undefined ? 0 : this.#clock.now() - this.#droppedAt;
    this.#droppedAt = undefined;
    this.#setState('open');
    this.#hooks.welcomed(body, !body.resumed);
    if (body.resumed) {
      this.#events.emit('reconnect', { resumed: true, resync: body.resync, attempts, downtimeMs });
      return;
    }
    this.#events.emit('open', { playerId: body.playerId, name: body.name });
    if (wasResume || attempts > 0)
      this.#events.emit('reconnect', { resumed: false, resync: false, attempts, downtimeMs });
  }

  /**
   * A fresh session while we hold one (a second welcome on this socket, or one that answers our resume): on
   * the server's word the old one is gone, and its room, requests and replay with it. Kept, the old room's
   * members and state lived on in the new session, and its messages (numbered from 1 again) were taken for
   * ones already read. Returns the newest message the app's handlers sent meanwhile that went out on this
   * socket already (kept in the outbox all the same, until acked, for a resume), or undefined if they
   * closed the client.
   */
  #sessionReplaced(): number | undefined {
    const message = 'the server began a new session: the one this client had is gone';
    // The old session's replay, still being written within the budget, is over.
    this.#cancelPacing?.();
    this.#cancelPacing = undefined;
    this.#paced = [];
    this.#loseSession(ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_EXPIRED, message);
    // As for a close: the app may have closed the client from a room-left handler.
    if (this.#state === 'closed') return undefined;
    this.#events.emit('session-expired', { message });
    if ((this.#state as ConnectionState) === 'closed') return undefined;
    return this.#welcomed ? this.#outbox.lastSeq : 0;
  }

  #startHeartbeat(): void {
    this.#cancelHeartbeat?.();
    this.#lastHeard = this.#clock.now();
    const deadAfter = this.#options.deadServerTimeoutMs ?? this.#heartbeatMs * 3;
    const period = Math.max(10, Math.min(this.#heartbeatMs, deadAfter / 3));
    this.#cancelHeartbeat = watchDeadServer({
      clock: this.#clock,
      periodMs: period,
      deadAfterMs: deadAfter,
      lastHeard: () => this.#lastHeard,
      ping: () => {
        if (this.#socket)
          this.#writeControl(
            encodeMessage(Kind.Ping, { id: this.#nextPingId++ >>> 0, t: this.#clock.now() }),
          );
      },
      dead: () => {
        if (this.#socket) this.#abandon(this.#socket, 'the server stopped answering');
      },
    });
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit('state', state);
  }

  #newOutbox(): Outbox {
    return new Outbox({
      maxMessages: this.#options?.outboxMessages ?? 1_024,
      maxBytes: this.#options?.outboxBytes ?? 1024 * 1024,
      overflow: 'refuse',
      reserve: OUTBOX_RESERVE,
    });
  }
}

/**
 * Room past the outbox's limits for goodbyes (`sendSequenced`'s `reserved`): a room's leave, and the relay
 * goodbyes of a mesh of sixteen closed twice while the server has acked nothing. Each is a few dozen bytes.
 */
const OUTBOX_RESERVE = { messages: 32, bytes: 4 * 1024 };

/** A `close()` writing what was held back: until `deadline`, trying again every 10 ms (`attempt`). */
interface Flush {
  deadline: number;
  attempt: () => void;
  done: Promise<number>;
}

type Rate = NonNullable<Body<typeof Kind.Welcome>['rate']>;

function sameRate(a: Rate | undefined, b: Rate | undefined): boolean {
  return a?.burst === b?.burst && a?.perSecond === b?.perSecond;
}
