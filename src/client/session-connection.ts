import { type Cancel, type Clock, type Emitter, realClock } from '../common/index.js';
import {
  type Body,
  closeCodeFor,
  ErrorCode,
  encodeMessage,
  Kind,
  type LeaveReason,
  type Message,
  OUR_FEATURES,
  PROTOCOL_VERSION,
  ProtocolError,
  type SessionGoneReason,
  withoutArrivalTag,
} from '../protocol/index.js';
import type { SendPriority } from '../transport/index.js';
import type { ClientEvents, ConnectionState } from './client-events.js';
import type { ClientOptions } from './client-options.js';
import type { ConnectionHooks } from './connection-hooks.js';
import { EntryPoints } from './entry-points.js';
import { GuestTokenRefused, GuestTokenUnavailable, withToken } from './guest-token.js';
import { InboundAcks } from './inbound-acks.js';
import { sendLeaveBeacon } from './leave-beacon.js';
import type { ReserveUse } from './outbox-reserve.js';
import { ReconnectAttempts } from './reconnect-attempts.js';
import { ReconnectWait } from './reconnect-wait.js';
import { ResumeAttempts } from './resume-attempts.js';
import { whenServerCaughtUp } from './server-caught-up.js';
import { ServerFrames } from './server-frames.js';
import { SessionClosing } from './session-closing.js';
import { SessionHeartbeat } from './session-heartbeat.js';
import { SessionOutput } from './session-output.js';
import { SessionTakeover } from './session-takeover.js';
import { SessionToken } from './session-token.js';
import { MESSAGE_TOO_BIG, socketCloseOutcome } from './socket-close-outcome.js';
import { socketOpenFailure } from './socket-open-failure.js';
import { encodeTakeoverToken } from './takeover-token.js';
import type { WebSocketConstructor, WebSocketLike } from './web-socket.js';

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
  #state: ConnectionState = 'idle';
  #socket: WebSocketLike | undefined;
  #generation = 0;
  #welcomed = false;
  #session: { playerId: string; resumeToken: string; name: string } | undefined;
  /** The numbers of the connections that resume the session, and the one the newest hello carried. */
  readonly #resumeAttempts = new ResumeAttempts();
  #helloAttempt = 0;
  /** The sequenced stream's outbox, the send queues and the send budget: what this session writes. */
  readonly #output: SessionOutput;
  readonly #closing: SessionClosing;
  readonly #acks: InboundAcks;
  readonly #frames: ServerFrames;
  readonly #token: SessionToken;
  /** The session this client was given to take over (the `resumeToken` option), until it is answered. */
  readonly #takeover: SessionTakeover;
  /** The newest `resumeToken` the app was told of (the `resume-token` event). */
  #toldToken: string | undefined;
  readonly #reconnects: ReconnectAttempts;
  readonly #reconnectWait: ReconnectWait;
  readonly #heartbeat: SessionHeartbeat;
  #droppedAt: number | undefined;
  #bye: { code: ErrorCode; message: string } | undefined;
  /** Why the server said our session is gone (its SESSION_EXPIRED refusal's `reason`), on this socket. */
  #goneReason: SessionGoneReason | undefined;
  #cancelConnectTimeout: Cancel | undefined;

  constructor(options: ClientOptions, events: Emitter<ClientEvents>, hooks: ConnectionHooks) {
    this.#options = options;
    this.#events = events;
    this.#hooks = hooks;
    this.#clock = options.clock ?? realClock;
    this.#entries = new EntryPoints(options.url, options.fallbackUrls);
    this.#reconnects = new ReconnectAttempts(options, this.#entries, this.#clock);
    this.#reconnectWait = new ReconnectWait({
      clock: this.#clock,
      // Waiting out a backoff, after a drop or before the first welcome (a game opened offline).
      trying: () => this.#state === 'reconnecting' || this.#state === 'connecting',
      attempt: () => void this.#openSocket(),
    });
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ctor) {
      throw new TypeError(
        "no WebSocket here: pass { WebSocket } (in Node 20: import { WebSocket } from 'ws')",
      );
    }
    this.#WebSocket = ctor;
    this.#output = new SessionOutput({
      clock: this.#clock,
      options,
      socket: () => this.#socket,
      isOpen: () => this.#state === 'open',
      dropped: (inner, error) => hooks.dropped(inner, error),
      error: (error) => events.emit('error', error),
    });
    this.#acks = new InboundAcks(this.#clock, options, (received) =>
      this.#output.writeControl(encodeMessage(Kind.Ack, { ack: received })),
    );
    this.#frames = new ServerFrames({
      datagram: (c, p, t) => hooks.datagram(c, p, t),
      accept: (seq) => this.#acks.accept(seq),
      message: (message) => this.#onMessage(message),
      error: (error) => events.emit('error', error),
      unreadable: (error) => hooks.unreadable?.(error),
    });
    this.#takeover = new SessionTakeover(options.resumeToken);
    this.#token = new SessionToken(options, () => this.#entries.current, this.#takeover.guestToken);
    this.#heartbeat = new SessionHeartbeat({
      clock: this.#clock,
      deadServerTimeoutMs: options.deadServerTimeoutMs,
      hasSocket: () => this.#socket !== undefined,
      writeControl: (frame) => this.#output.writeControl(frame),
      dead: () => {
        if (this.#socket) this.#abandon(this.#socket, 'the server stopped answering');
      },
    });
    this.#closing = new SessionClosing({
      clock: this.#clock,
      isClosed: () => this.#state === 'closed',
      isOpen: () => this.#state === 'open',
      unsent: () => this.#output.unsent(),
      closeNow: (unsent) => {
        const socket = this.#socket;
        this.#finish('CLOSED_BY_CLIENT', 'closed by the client', unsent);
        socket?.close(1000, 'bye');
      },
    });
  }

  /** What the send queue shed rather than send late: see `SessionOutput.sendStats`. */
  get sendStats(): { volatileDropped: number; superseded: number; expired: number } {
    return this.#output.sendStats;
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get session(): { playerId: string; name: string } | undefined {
    return this.#session;
  }

  /**
   * What a new client needs to take this session over (see TakeoverToken), while there is one: it
   * changes with the session, and when a takeover or a renewed guest token makes it another.
   */
  get resumeToken(): string | undefined {
    const session = this.#session;
    if (session === undefined) return undefined;
    const guestToken = this.#token.guest;
    return encodeTakeoverToken({
      playerId: session.playerId,
      resumeToken: session.resumeToken,
      ...(guestToken === undefined ? {} : { guestToken }),
    });
  }
  /** Newest heartbeat round trip in ms. */
  get rttMs(): number {
    return this.#heartbeat.rttMs;
  }

  /**
   * Server time minus local time, in ms, as `serverNow()` applies it: slewed toward the estimate from the
   * heartbeats (see {@link ServerClockEstimate}), so it moves at most 1 ms per 100 ms but for a step at
   * the first welcome or over an error of more than a second.
   */
  get clockOffsetMs(): number {
    return this.#heartbeat.offsetMs();
  }

  /** The server's clock now, in ms: never runs backwards, but for a step over an error beyond a second. */
  serverNow(): number {
    return this.#heartbeat.serverNow();
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** The largest frame the server takes, in bytes (its welcome says; 64 KiB until one does). */
  get maxFrameBytes(): number {
    return this.#output.maxFrameBytes;
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
    return this.#closing.done;
  }

  /**
   * Calls `then` once the server has answered a ping sent now (or, while another such ping is out, right
   * after that one is answered): by then everything it wrote before reading the ping has been read (at a
   * welcome: the resume's replay, and a resync's RoomState, which the server writes in the same go). Never
   * called if the socket goes first; nothing is sent without one.
   */
  afterServerCaughtUp(then: () => void): void {
    this.#heartbeat.afterServerCaughtUp(then);
  }

  /** See `Client.serverCaughtUp`. */
  serverCaughtUp(): Promise<void> {
    return whenServerCaughtUp(
      {
        clock: this.#clock,
        state: this.#state,
        unsent: () => this.#output.unsent(),
        afterServerCaughtUp: (then) => this.#heartbeat.afterServerCaughtUp(then),
      },
      this.#events,
    );
  }

  /** Starts connecting unless already connecting or open. */
  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'closed') return;
    this.#bye = undefined;
    this.#reconnects.restart();
    this.#setState('connecting');
    this.#reconnectWait.watchOnline();
    void this.#openSocket();
  }

  /**
   * Ends the session: the server frees our seat at once. Sequenced messages still held back (by the rate
   * limit or a backed-up socket) are written first, for at most `flushMs`; resolves with how many of
   * them could not be (0: all were written before the socket closed), once closed. Called while one
   * writes, it returns that one's promise, with the earlier of the two deadlines.
   */
  close(flushMs = 0): Promise<number> {
    return this.#closing.close(flushMs);
  }

  /**
   * Hands the browser a beacon that ends the session on the server it lives on (see `sendLeaveBeacon`),
   * for a page going away, whose socket may drop before its closing frame is out. Call before `close()`,
   * which forgets the session. With `keepMs`, the beacon asks for the session to be held that long for a
   * reload instead. False when none was sent: no session (yet), or no beacons here (Node).
   */
  sendLeaveBeacon(keepMs?: number): boolean {
    const session = this.#session;
    if (session === undefined) return false;
    return sendLeaveBeacon(this.#entries.current, {
      playerId: session.playerId,
      token: session.resumeToken,
      ...(keepMs === undefined ? {} : { keepMs }),
    });
  }

  /** Sends now if open, dropped otherwise (the volatile class): see `SessionOutput.sendVolatile`. */
  sendVolatile(frame: Uint8Array, key?: string, priority?: SendPriority): void {
    this.#output.sendVolatile(frame, key, priority);
  }

  /**
   * Queues for replay and sends when connected (OUTBOX_OVERFLOW when the buffer is full, MESSAGE_TOO_LARGE
   * over the server's frame limit): see `SessionOutput.sendSequenced`.
   */
  sendSequenced(inner: Uint8Array, ttlMs?: number, behindWaiting = false, reserve?: ReserveUse): void {
    this.#output.sendSequenced(inner, ttlMs, behindWaiting, reserve);
  }

  async #openSocket(): Promise<void> {
    const generation = ++this.#generation;
    this.#welcomed = false;
    // A goodbye is its own socket's: one from a socket given up on before its close came (a connect or
    // heartbeat timeout) would otherwise end this one at its next drop, which should reconnect.
    this.#bye = undefined;
    this.#goneReason = undefined;
    this.#output.socketOpened();
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
      else giveUpToken?.(this.#token.timedOut(connectTimeoutMs));
    }, connectTimeoutMs);
    let token: string;
    try {
      token = await new Promise<string>((resolve, reject) => {
        giveUpToken = reject;
        this.#token.get().then(resolve, reject);
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
      const message = `could not get a token: ${why}`;
      this.#events.emit('error', new ProtocolError(code, message, { cause: error }));
      this.#scheduleReconnect(message);
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
    // Whether this socket opened, and its error event if it had one (see the close handler).
    let opened = false;
    let errorEvent: unknown;
    socket.onopen = () => {
      opened = true;
      if (generation !== this.#generation) return;
      if (this.#session) this.#helloAttempt = this.#resumeAttempts.next();
      else if (this.#takeover.takeUnreadable()) this.#unreadableTakeover();
      const resume = this.#session
        ? {
            playerId: this.#session.playerId,
            token: this.#session.resumeToken,
            ack: this.#acks.received,
            attempt: this.#helloAttempt,
          }
        : this.#takeover.resume();
      const link = this.#hooks.wantsServerLink() ? { link: true } : {};
      this.#output.write(
        encodeMessage(Kind.Hello, {
          v: PROTOCOL_VERSION,
          ...(resume ? { resume } : {}),
          ...link,
          features: [...OUR_FEATURES],
        }),
      );
    };
    socket.onmessage = (event) => {
      if (generation === this.#generation) this.#onData(event.data);
    };
    socket.onclose = (event) => {
      if (generation !== this.#generation) return;
      const failure = opened ? undefined : socketOpenFailure(this.#entries.current, errorEvent, event.code);
      // With no session, nothing else tells the app that its connect() is getting nowhere.
      if (failure !== undefined && this.#session === undefined && this.#state !== 'closed') {
        this.#events.emit('error', new ProtocolError(ErrorCode.NODE_UNREACHABLE, failure));
      }
      this.#onSocketClosed(event.code, event.reason, failure);
    };
    // A close event always follows, which acts on it.
    socket.onerror = (event) => {
      errorEvent = event;
    };
  }

  /** `failure`: why a socket that never opened failed, as the app was told. */
  #onSocketClosed(code: number, reason: string, failure: string | undefined): void {
    this.#socket = undefined;
    // Waiting sequenced messages join the outbox, to be replayed once connected again.
    this.#output.socketGone();
    this.#stopConnectionTimers();
    if (this.#state === 'closed') return;
    if (code === MESSAGE_TOO_BIG) this.#output.frameRefused();
    const outcome = socketCloseOutcome(
      { code, reason, bye: this.#bye },
      { fixedToken: this.#token.fixed, nextEntryPoint: () => this.#entries.next(this.#clock.now()) },
    );
    switch (outcome.kind) {
      case 'move':
        this.#move(
          outcome.url,
          ErrorCode.SERVER_DRAINING,
          ErrorCode.SERVER_DRAINING,
          'the server was drained',
        );
        return;
      case 'finish':
        this.#finish(outcome.code, outcome.message);
        return;
      case 'new-token':
        this.#token.refused(outcome.expired);
        break;
      case 'session-lost':
        // A refused takeover is not asked for again: the next hello begins a fresh session.
        this.#takeover.end();
        this.#reconnects.answered();
        this.#loseSession(ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_EXPIRED, outcome.message);
        // As for a move: the app may have closed the client from a room-left handler.
        if ((this.#state as ConnectionState) === 'closed') return;
        this.#events.emit('session-expired', sessionExpired(outcome.message, this.#goneReason));
        break;
    }
    this.#markDropped(code, reason);
    this.#scheduleReconnect(
      failure ?? `the connection closed (${code}${reason === '' ? '' : `: ${reason}`})`,
    );
  }

  /** Gives up on a socket that went silent or never welcomed us, and reconnects. */
  #abandon(socket: WebSocketLike, reason: string): void {
    this.#generation++;
    this.#socket = undefined;
    // As for a closed socket: what waits takes its sequence number now, ahead of anything sent while
    // reconnecting, which goes straight to the outbox.
    this.#output.socketGone();
    this.#stopConnectionTimers();
    try {
      // Not 1000: the server must keep our seat, as for any other drop.
      socket.close(closeCodeFor(ErrorCode.HEARTBEAT_TIMEOUT), reason);
    } catch {
      // already closing
    }
    this.#markDropped(closeCodeFor(ErrorCode.HEARTBEAT_TIMEOUT), reason);
    this.#scheduleReconnect(`given up on the connection: ${reason}`);
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

  /**
   * After a failed attempt or a drop; `failure` says what went wrong, for the message of giving up: that
   * closes the client and rejects `connect()` with it, and "no connection" alone left a page showing it
   * nothing to fix (a server down and a wrong URL read the same).
   */
  #scheduleReconnect(failure: string): void {
    if (this.#state === 'closed') return;
    const next = this.#reconnects.next();
    if (next.kind === 'give-up') {
      const limit = `maxReconnectAttempts ${next.attempts}`;
      this.#finish(
        'GAVE_UP',
        `no connection after ${next.attempts} reconnect attempts (${limit}); the last: ${failure}`,
      );
      return;
    }
    if (next.kind === 'fail-over') {
      this.#move(next.url, ErrorCode.NODE_UNREACHABLE, ErrorCode.NODE_UNREACHABLE, next.message);
      return;
    }
    this.#reconnectWait.wait(next.delayMs);
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
    this.#takeover.end();
    this.#stopConnectionTimers();
    this.#reconnectWait.stop();
    this.#hooks.finished(code, message);
    this.#session = undefined;
    // A drop before the close is no downtime of a later `connect()`'s: its 'reconnect' said the hours the
    // client lay closed were.
    this.#droppedAt = undefined;
    this.#output.reset();
    this.#acks.reset();
    this.#setState('closed');
    this.#events.emit('closed', { code, message });
  }

  /** The server no longer knows our session: everything tied to it is gone. */
  #loseSession(reason: LeaveReason, code: ErrorCode, message: string): void {
    this.#session = undefined;
    this.#output.reset();
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
    this.#reconnectWait.cancel();
    this.#bye = undefined;
    try {
      // 1000: a clean leave, so the old server frees our seat at once.
      socket?.close(1000, 'moving to another server');
    } catch {
      // already closing
    }
    this.#entries.moveTo(url);
    this.#takeover.end(); // a session of the node left behind
    this.#reconnects.moved();
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
    this.#heartbeat.stop();
    // Frames waiting for the budget stay in the outbox: the next welcome replays them.
    this.#output.stopReplay();
    this.#cancelConnectTimeout?.();
    this.#acks.stop();
    this.#cancelConnectTimeout = undefined;
  }

  #onData(data: unknown): void {
    this.#heartbeat.heard();
    this.#frames.read(data);
  }

  #onMessage(message: Message): void {
    switch (message.kind) {
      case Kind.Welcome:
        this.#onWelcome(message.body);
        return;
      case Kind.Bye:
        this.#bye = { code: message.body.code, message: message.body.message };
        return;
      case Kind.Error:
        // Read at the close that follows it; the app hears the error itself as any other.
        if (message.body.code === ErrorCode.SESSION_EXPIRED) this.#goneReason = message.body.reason;
        this.#hooks.message(message);
        return;
      case Kind.Ping:
        this.#output.writeControl(
          encodeMessage(Kind.Pong, { id: message.body.id, t: message.body.t, rt: this.#clock.now() }),
        );
        return;
      case Kind.Pong:
        this.#heartbeat.pong(message.body);
        return;
      case Kind.Ack:
        this.#output.acked(message.body.ack);
        return;
      default:
        this.#hooks.message(message);
    }
  }

  #onWelcome(body: Body<typeof Kind.Welcome>): void {
    const wasResume = this.#session !== undefined;
    // The session of another client, now ours: what this one queued meanwhile numbers on from what the
    // server has (the old client's messages it never got are lost with that client).
    const takenOver = !wasResume && body.resumed && this.#takeover.pending;
    if (takenOver) {
      this.#takeover.end();
      this.#output.continueAfter(body.ack);
    }
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
    // A takeover begins the session's count of resumes again (the server forgot the old client's).
    if (body.resumed && !takenOver) this.#resumeAttempts.welcomed(this.#helloAttempt);
    else this.#resumeAttempts.began();
    this.#output.welcomedRate(body.rate, body.resumed);
    this.#heartbeat.welcomed(body.heartbeatMs, body.serverTime);
    this.#output.welcomedLimit(body.maxFrameBytes, body.ack);
    const attempts = this.#reconnects.welcomed();
    this.#output.replay(body.ack, written);
    this.#heartbeat.start();
    const downtimeMs = this.#droppedAt === undefined ? 0 : this.#clock.now() - this.#droppedAt;
    this.#droppedAt = undefined;
    this.#setState('open');
    // For this client, a session taken over is a new one: it holds nothing of it yet.
    const fresh = !body.resumed || takenOver;
    this.#hooks.welcomed(body, fresh);
    this.#tellToken();
    if (!fresh) {
      this.#events.emit('reconnect', { resumed: true, resync: body.resync, attempts, downtimeMs });
      return;
    }
    this.#events.emit('open', { playerId: body.playerId, name: body.name, takenOver });
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
    this.#output.stopReplay();
    this.#loseSession(ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_EXPIRED, message);
    // As for a close: the app may have closed the client from a room-left handler.
    if (this.#state === 'closed') return undefined;
    this.#events.emit('session-expired', { message });
    if ((this.#state as ConnectionState) === 'closed') return undefined;
    return this.#welcomed ? this.#output.lastSeq : 0;
  }

  /** Tells the app of a `resumeToken` other than the one it was told of last. */
  #tellToken(): void {
    const token = this.resumeToken;
    if (token === undefined || token === this.#toldToken) return;
    this.#toldToken = token;
    this.#events.emit('resume-token', { token });
  }

  /** The `resumeToken` option could not be read: told as a refused takeover is, and a fresh session begun. */
  #unreadableTakeover(): void {
    const message =
      'the resume token cannot be read (cut short, altered, or not one a client of this version gave): began a new session';
    this.#events.emit('error', new ProtocolError(ErrorCode.RESUME_REJECTED, message));
    this.#events.emit('session-expired', { message });
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit('state', state);
  }
}

/** A `session-expired` event: `reason` only when the server gave one (an older server gives none). */
function sessionExpired(
  message: string,
  reason: SessionGoneReason | undefined,
): ClientEvents['session-expired'] {
  return reason === undefined ? { message } : { message, reason };
}
