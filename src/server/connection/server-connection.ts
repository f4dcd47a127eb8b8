import type { WebSocket } from 'ws';
import type { Cancel, Clock } from '../../common/index.js';
import {
  clientToServerKinds,
  closeCodeFor,
  type DecodedFrame,
  decodeFrame,
  ErrorCode,
  encodeMessage,
  Feature,
  hasFeature,
  type JoinedRoom,
  Kind,
  MAX_RESUME_ATTEMPT_AHEAD,
  type Message,
  OUR_FEATURES,
  PROTOCOL_VERSION,
  ProtocolError,
  readSingleDatagramToServer,
  type SessionGoneReason,
  SINGLE_DATAGRAM_CHANNEL_AT,
} from '../../protocol/index.js';
import type { Identity } from '../auth/authenticator.js';
import type { IceServer, IssuedIceServers } from '../ice/ice-servers.js';
import type { MetricsSink } from '../metrics.js';
import type { ClientErrorCounter, ClientErrors } from '../monitoring/client-errors.js';
import type { FrameTally } from '../monitoring/frame-kinds.js';
import { addressBlock } from '../remote-address.js';
import { RelayRefused } from '../rooms/relay-budget.js';
import { RoomFault } from '../rooms/room-fault.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { ServerLinks } from '../server-link/server-links.js';
import type { Session } from '../sessions/session.js';
import type { SessionEventHub } from '../sessions/session-events.js';
import type { SessionStore } from '../sessions/session-store.js';
import { AbuseGuard, type AbuseLimits } from './abuse-guard.js';
import { closeReason } from './close-reason.js';
import type { LoopStalls } from './loop-stalls.js';
import { handlePlayerAnswer } from './player-answers.js';
import { receiveWholeFrames } from './receive-whole-frames.js';
import { handleRequest, isRequest, refuseRequest } from './requests.js';
import { handleRoomRequest, type RoomRequestPort } from './room-requests.js';
import { sendBinary } from './send-binary.js';

export interface ConnectionContext {
  clock: Clock;
  /** The server's event-loop stalls, which players' rate limits and fault budgets do not hold against them. */
  stalls: LoopStalls;
  metrics: MetricsSink;
  /** Frames in and out by kind, flushed into `metrics` by the server's monitoring. */
  frames: FrameTally;
  /** Where a client's errors are counted (into `metrics`), by the connection's address block. */
  clientErrors: ClientErrors;
  sessions: SessionStore;
  rooms: RoomManager;
  serverLinks: ServerLinks;
  limits: AbuseLimits & {
    graceMs: number;
    heartbeatMs: number;
    helloTimeoutMs: number;
    maxPayloadBytes: number;
  };
  /** True once the server is closing (`close()`, not a drain): every request is refused. */
  isClosing(): boolean;
  /** True once a drain said its goodbye: a hello is answered with it (a resume gets its replay first). */
  saidGoodbye(): boolean;
  /**
   * Called as a hello is answered: a draining or closing server tells the player what it told every
   * other (the drain's notice or goodbye, the shutdown's notice).
   */
  tellLeaving(connection: ServerConnection): void;
  /** Called as a new session starts on this connection (not a resume): a drain may have sent it. */
  sessionStarted(): void;
  /** Where the app hears of sessions beginning, dropping and coming back (`GameServer.on`). */
  sessionEvents: SessionEventHub;
  /** STUN/TURN servers (with fresh TURN credentials) for this user's WebRTC links. */
  iceServersFor(userId: string): IssuedIceServers;
  onClosed(connection: ServerConnection): void;
}

/** Ends a session cut off for too many bad messages: out of its room and gone, no grace period. */
export function endCutOff(ctx: Pick<ConnectionContext, 'rooms' | 'sessions'>, session: Session): void {
  endAtOnce(ctx, session, ErrorCode.TOO_MANY_ERRORS, 'cut off for too many bad messages');
}

/** Ends a session for `code`: out of its room (`message` said there) and gone, no grace period. */
function endAtOnce(
  ctx: Pick<ConnectionContext, 'rooms' | 'sessions'>,
  session: Session,
  code: ErrorCode,
  message: string,
): void {
  ctx.rooms.leave(session, code, message);
  ctx.sessions.delete(session, code);
}

function isSequenced(data: Buffer): boolean {
  return data[0] === Kind.Reliable || data[0] === Kind.Expiring;
}

/**
 * A join by a code that names no room: a fault, so that guessing private rooms' codes (six letters of 32,
 * about 10^9) goes at the fault budget's pace (1 a second after a burst of 20), not the message rate's.
 */
function isCodeMiss(code: ErrorCode): boolean {
  return code === ErrorCode.ROOM_NOT_FOUND || code === ErrorCode.ROOM_CODE_INVALID;
}

/**
 * Refusals of a request that cost the connection's fault budget: a code miss (above), and a creation past
 * its address's creation rate, so that a client creating rooms in a loop is cut off, not just slowed.
 */
function costsAFault(kind: Message['kind'], code: ErrorCode): boolean {
  if (kind === Kind.JoinByCode) return isCodeMiss(code) || code === ErrorCode.RATE_LIMITED;
  return code === ErrorCode.RATE_LIMITED && (kind === Kind.CreateRoom || kind === Kind.QuickPlay);
}

/**
 * Characters of a notice's message (the Error schema's limit): a room's own schema can word a refusal at
 * any length, and a longer notice would be dropped by the client, a refused request left unsettled.
 */
const MAX_NOTICE_LENGTH = 512;

/**
 * The server's newest pings a pong may answer (one a heartbeat): a socket backed up behind a slow link
 * answers a few heartbeats late, and is still measured.
 */
const PINGS_REMEMBERED = 4;

/** The close reason of the socket a takeover superseded (its client ends with SESSION_REPLACED). */
const TAKEN_OVER = 'taken over by another client (a reloaded page, another tab)';

/**
 * Whether an inner message is anything but an answer to a request of the client's (see the takeover's
 * replay): a request's `Response`, a room request's `RoomReply`. The room's own requests to the player
 * (ServerRoomMessage) are replayed: the new client answers them.
 */
function isNoAnswer(inner: Uint8Array): boolean {
  return inner[0] !== Kind.Response && inner[0] !== Kind.RoomReply;
}

/** WebSocket close code for a clean goodbye from the client: end the session, hold no seat. */
const NORMAL_CLOSURE = 1000;
/**
 * Requests one session may have waiting for an answer. An honest client waits for its answers (a join,
 * a listing); past this, with a registry that stalls, the queue would only grow.
 */
const MAX_PENDING_REQUESTS = 16;

/**
 * One client socket: validates every inbound frame before anything acts on it, applies the rate limit
 * and fault budget, and binds the socket to a session (new or resumed) with the hello.
 */
export class ServerConnection {
  readonly socket: WebSocket;
  readonly identity: Identity;
  /** Where the connection comes from (see remoteAddress): what per-address limits count. */
  readonly remoteAddress: string;
  readonly openedAt: number;
  lastHeard = 0;
  session: Session | undefined;

  readonly #ctx: ConnectionContext;
  /** This connection's until its hello; then its session's, which outlives the socket. */
  #guard: AbuseGuard;
  #nextPingId = 0;
  /** The newest pings sent (`PINGS_REMEMBERED`), by `id % PINGS_REMEMBERED`: their ids and send times. */
  readonly #pingIds: number[] = [];
  readonly #pingTimes: number[] = [];
  #refusing = false;
  /** `addressBlock(remoteAddress)`, worked out at the first error: what this client's errors count as. */
  #block: string | undefined;
  /** Closes the socket if no session is made within `helloTimeoutMs`: its own timer, to the millisecond. */
  #cancelHelloTimeout: Cancel | undefined;
  /** What a room request needs of this connection: its rooms, and its fault budget. */
  readonly #requestPort: RoomRequestPort;

  constructor(socket: WebSocket, identity: Identity, remoteAddress: string, ctx: ConnectionContext) {
    this.socket = socket;
    this.identity = identity;
    this.remoteAddress = remoteAddress;
    this.#ctx = ctx;
    this.#requestPort = {
      rooms: ctx.rooms,
      metrics: ctx.metrics,
      clientErrors: ctx.clientErrors,
      spend: (code) => this.#spend(code),
      fault: (code, message) => this.#fault(code, message),
    };
    this.openedAt = ctx.clock.now();
    this.lastHeard = this.openedAt;
    this.#guard = new AbuseGuard(ctx.limits, this.openedAt, ctx.stalls.stalledMs(this.openedAt));
    socket.binaryType = 'nodebuffer';
    receiveWholeFrames(socket);
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    socket.on('close', (code) => this.#onClose(code));
    this.#cancelHelloTimeout = ctx.clock.setTimeout(() => {
      this.#cancelHelloTimeout = undefined;
      if (this.session === undefined) this.close(ErrorCode.HELLO_REQUIRED, 'no hello in time');
    }, ctx.limits.helloTimeoutMs);
    // ws reports oversize frames and protocol violations here before closing; it must never throw.
    socket.on('error', (error) => {
      const code = (error as { code?: string }).code ?? 'unknown';
      this.#clientError('socket_errors_total', code);
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        this.#clientError('bad_input_total', ErrorCode.MESSAGE_TOO_LARGE);
    });
  }

  /** Sends a heartbeat ping stamped with server time. */
  ping(): void {
    const id = this.#nextPingId++ >>> 0;
    const t = this.#ctx.clock.now();
    this.#pingIds[id % PINGS_REMEMBERED] = id;
    this.#pingTimes[id % PINGS_REMEMBERED] = t;
    this.#sendBare(encodeMessage(Kind.Ping, { id, t }));
  }

  /**
   * Tells the client why and closes; the session's grace period starts unless the error ends it. `reason`:
   * why the session is gone, for a SESSION_EXPIRED.
   */
  close(code: ErrorCode, message: string, reason?: SessionGoneReason): void {
    // Frames already buffered behind this point must not be acted on (or acked) any more.
    this.#refusing = true;
    if (this.socket.readyState !== this.socket.OPEN) return;
    // Not #sendBare: its check of what waits could cut the socket first, under another code.
    const notice = encodeMessage(Kind.Error, {
      code,
      message: message.slice(0, MAX_NOTICE_LENGTH),
      ...(reason === undefined ? {} : { reason }),
    });
    this.#ctx.frames.count('out', notice);
    this.socket.send(notice);
    this.socket.close(closeCodeFor(code), closeReason(message));
  }

  /** Final notice before a shutdown closes the socket. */
  bye(code: ErrorCode, message: string): void {
    this.#sendBare(encodeMessage(Kind.Bye, { code, message }));
  }

  /**
   * Says goodbye with `code` and closes at once: what the client sends after is not acted on. The client
   * takes the goodbye as the end of its session (`closed` with `code` and `message`), not as a drop.
   */
  sayGoodbye(code: ErrorCode, message: string): void {
    this.#refusing = true;
    this.bye(code, message.slice(0, MAX_NOTICE_LENGTH));
    if (this.socket.readyState === this.socket.OPEN)
      this.socket.close(closeCodeFor(code), closeReason(message));
  }

  /** Fault notice to the client without closing. */
  notify(code: ErrorCode, message: string, rid?: number): void {
    const said = message.slice(0, MAX_NOTICE_LENGTH);
    this.#sendBare(encodeMessage(Kind.Error, { code, message: said, ...(rid === undefined ? {} : { rid }) }));
  }

  /** The SERVER_SHUTTING_DOWN notice: the server closes its players in `closesInMs`. */
  notifyShutdown(message: string, closesInMs: number): void {
    const said = message.slice(0, MAX_NOTICE_LENGTH);
    const code = ErrorCode.SERVER_SHUTTING_DOWN;
    this.#sendBare(encodeMessage(Kind.Error, { code, message: said, closesInMs: Math.round(closesInMs) }));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const now = this.#ctx.clock.now();
    this.lastHeard = now;
    this.#ctx.frames.count('in', data);
    if (this.#refusing) return;
    // A socket that a newer connection of the session replaced (a resume, a takeover: closed, its close
    // not yet through) speaks for the session no more: what the client behind it still sends would take
    // sequence numbers that the new connection's messages are given (a takeover's client numbers on from
    // its welcome), and they would be dropped as duplicates. A resuming client replays it anyway.
    const replaced = this.session?.socket;
    if (replaced !== undefined && replaced !== this.socket) return;
    const admitted = this.#guard.admit(now, this.#ctx.stalls.stalledMs(now));
    if (!admitted && isSequenced(data)) {
      // Dropping a reliable message would leave a hole that later acks paper over. Close instead: the
      // client resumes after its backoff and replays it, so nothing is lost and the flood is slowed.
      this.#clientError('bad_input_total', ErrorCode.RATE_LIMITED);
      this.close(ErrorCode.RATE_LIMITED, 'too many messages: slow down');
      return;
    }
    if (!admitted) {
      this.#overRate(now);
      return;
    }
    if (!isBinary) {
      this.#fault(ErrorCode.BAD_FRAME, 'text frames are not part of the protocol');
      return;
    }
    // Every input in TCP mode: one datagram on a data channel, handed to the link as it is (no decoded
    // frame, message or batch objects); a bare frame, so no sequence number to take.
    const session = this.session;
    const datagram = session === undefined ? undefined : readSingleDatagramToServer(data);
    let frame: DecodedFrame | undefined;
    if (datagram === undefined) {
      try {
        frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.length), clientToServerKinds);
      } catch (error) {
        if (error instanceof ProtocolError) this.#fault(error.code, error.message, error.rid);
        else this.#fault(ErrorCode.BAD_FRAME, 'undecodable frame');
        return;
      }
    }
    try {
      if (frame !== undefined) this.#onFrame(frame, now);
      else if (session !== undefined && datagram !== undefined)
        this.#ctx.serverLinks.datagram(session, data[SINGLE_DATAGRAM_CHANNEL_AT] as number, datagram, now);
    } catch (error) {
      if (error instanceof ProtocolError) this.#fault(error.code, error.message);
      else {
        this.#ctx.metrics.count('internal_errors_total');
        console.error('vehikill-net: error while handling a frame', error);
        this.notify(ErrorCode.INTERNAL_ERROR, 'the server failed to handle that message');
      }
    }
  }

  /** `now`: when the frame arrived (read once per frame: every input passes here). */
  #onFrame(frame: DecodedFrame, now: number): void {
    const { message } = frame;
    if (!this.session) {
      if (message.kind !== Kind.Hello) {
        this.#clientError('bad_input_total', ErrorCode.HELLO_REQUIRED);
        this.close(ErrorCode.HELLO_REQUIRED, 'the first message must be a hello');
        return;
      }
      this.#onHello(message.body);
      return;
    }
    const session = this.session;
    if (frame.envelope !== 'bare' && !this.#accept(session, frame.seq)) return; // a duplicate, or refused
    switch (message.kind) {
      case Kind.Hello:
        throw new ProtocolError(ErrorCode.INVALID_MESSAGE, 'hello was already received');
      case Kind.Ping:
        this.#sendBare(
          encodeMessage(Kind.Pong, { id: message.body.id, t: message.body.t, rt: this.#ctx.clock.now() }),
        );
        return;
      case Kind.Pong: {
        // Timed from the ping as this connection sent it: `t` is only the client's echo, and taken as it
        // came, a pong could claim any round trip (`RoomClient.rttMs`, which a room may let widen how far
        // back a player's shots are checked, and the `rtt_ms` metric). A pong to no recent ping of ours,
        // or one already answered, measures nothing.
        const slot = message.body.id % PINGS_REMEMBERED;
        if (this.#pingIds[slot] !== message.body.id || this.#pingTimes[slot] !== message.body.t) return;
        this.#pingIds[slot] = -1;
        session.rttMs = Math.max(0, now - message.body.t);
        this.#ctx.metrics.observe('rtt_ms', session.rttMs);
        return;
      }
      case Kind.Ack:
        if (message.body.ack > session.outbox.lastSeq) {
          throw new ProtocolError(ErrorCode.INVALID_MESSAGE, 'ack for a message never sent');
        }
        session.outbox.ack(message.body.ack);
        return;
      case Kind.ClientRoomMessage:
        if (message.body.q !== undefined) {
          handleRoomRequest(this.#requestPort, session, { ...message.body, q: message.body.q });
          return;
        }
        // Inputs can come this way (30/s per player): #inRoom without a closure per message.
        try {
          this.#ctx.rooms.handleMessage(session, message.body.t, message.body.d, message.body.m);
        } catch (error) {
          this.#notInRoom(error);
        }
        return;
      case Kind.RoomReply:
        handlePlayerAnswer(this.#requestPort, session, message.body);
        return;
      case Kind.LinkSignalToServer:
        this.#ctx.serverLinks.signal(session, message.body);
        return;
      case Kind.DatagramToServer:
        this.#ctx.serverLinks.datagrams(session, message.body, now);
        return;
      case Kind.RefreshIceServers:
        // The client's TURN credentials are about to expire: fresh ones, as a welcome would give.
        session.send(Kind.IceServers, this.#ctx.iceServersFor(session.identity.userId));
        return;
      case Kind.SignalToPeer:
        this.#inRoom(() =>
          this.#ctx.rooms.relaySignal(session, message.body.to, message.body.s, message.body.m),
        );
        return;
      case Kind.DataToPeer: {
        const ttlMs = frame.envelope === 'expiring' ? frame.ttlMs : undefined;
        const { to, c, p, m } = message.body;
        this.#inRoom(() => this.#ctx.rooms.relayData(session, to, c, p, ttlMs, m));
        return;
      }
      case Kind.DataToPeers: {
        const { to, p, m } = message.body;
        this.#inRoom(() => this.#ctx.rooms.relayPhysToPeers(session, to, p, m));
        return;
      }
      default:
        if (isRequest(message)) this.#enqueueRequest(session, message);
        else throw new ProtocolError(ErrorCode.UNKNOWN_KIND, 'not a client message');
    }
  }

  /**
   * Takes a sequenced message's number: false for a replayed duplicate, and for a number too far past the
   * newest received (see MAX_SEQ_AHEAD), which breaks the stream for good. Taken, it would make everything
   * the client sends after it a duplicate, dropped unheard; dropped, it would be a hole the client replays
   * into the same refusal at every resume. So the socket is closed and the session ended at once (the
   * client's resume gets SESSION_EXPIRED, and its fresh session numbers from 1 again), as for a cut-off.
   */
  #accept(session: Session, seq: number): boolean {
    try {
      return session.accept(seq);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#clientError('bad_input_total', error.code);
      this.#ctx.metrics.count('connections_cut_total', { code: error.code });
      this.close(error.code, error.message);
      if (session.socket === this.socket)
        endAtOnce(this.#ctx, session, error.code, 'cut off for a sequence number too far ahead');
      return false;
    }
  }

  /**
   * A message racing a leave (ours or the peer's) or our next join (tagged for the room left) is not
   * abuse: told, not charged to the fault budget. The rate limit has already counted it, which bounds a
   * flood. Anything else the room refused is a fault.
   */
  #inRoom(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.#notInRoom(error);
    }
  }

  /**
   * What `#inRoom` does with a throw: not being in the room, relayed data over its budget (see
   * RelayRefused), and the room's own code failing on the message (RoomFault) are told; anything else
   * goes on up.
   */
  #notInRoom(error: unknown): void {
    if (
      error instanceof RelayRefused ||
      error instanceof RoomFault ||
      (error instanceof ProtocolError && error.code === ErrorCode.NOT_IN_ROOM)
    ) {
      this.notify(error.code, error.message);
      return;
    }
    throw error;
  }

  #onHello(body: Extract<Message, { kind: typeof Kind.Hello }>['body']): void {
    const { sessions, rooms, clock } = this.#ctx;
    if (body.v !== PROTOCOL_VERSION) {
      this.#clientError('bad_input_total', ErrorCode.PROTOCOL_VERSION_MISMATCH);
      this.close(
        ErrorCode.PROTOCOL_VERSION_MISMATCH,
        `this server speaks protocol ${PROTOCOL_VERSION}, the client ${body.v}: update the client`,
      );
      return;
    }
    if (body.resume) {
      const takeover = body.resume.takeover === true;
      const outcome = sessions.claim(body.resume.playerId, body.resume.token, this.identity);
      if (!outcome.ok) {
        this.#clientError('resume_failures_total', outcome.code);
        // The client a takeover superseded, resuming with the token it had: told as its open socket
        // would have been, with a code it takes as final, so that it does not start a session of its own.
        if (outcome.takenOver && !takeover) this.close(ErrorCode.SESSION_REPLACED, outcome.message);
        else this.close(outcome.code, outcome.message, outcome.reason);
        return;
      }
      const session = outcome.session;
      // As an Ack frame's: a count past what was sent would drop messages the player never got.
      if (body.resume.ack > session.outbox.lastSeq) {
        this.#clientError('resume_failures_total', ErrorCode.INVALID_MESSAGE);
        this.close(ErrorCode.INVALID_MESSAGE, 'resume ack for a message never sent');
        return;
      }
      const attempt = body.resume.attempt;
      // A takeover's client knows nothing of the old one's attempts: the session's count starts again
      // with it, under a new token that the old client's later resumes cannot present.
      if (takeover) sessions.takeOver(session);
      else if (attempt !== undefined) {
        // A hello delayed on a connection the client gave up must not take the session from the newer
        // one: the client would take SESSION_REPLACED on its live connection as final.
        if (attempt <= session.newestResumeAttempt) {
          this.#clientError('resume_failures_total', ErrorCode.RESUME_REJECTED);
          this.close(ErrorCode.RESUME_REJECTED, 'a newer connection of this client resumed the session');
          return;
        }
        // Taken, a number far ahead would have the session refuse every honest resume after it.
        const newest = session.newestResumeAttempt;
        if (attempt - newest > MAX_RESUME_ATTEMPT_AHEAD) {
          this.#clientError('resume_failures_total', ErrorCode.RESUME_REJECTED);
          this.close(
            ErrorCode.RESUME_REJECTED,
            `resume attempt ${attempt} is more than ${MAX_RESUME_ATTEMPT_AHEAD} above ${newest}, the newest this session was resumed with`,
          );
          return;
        }
        session.newestResumeAttempt = attempt;
      }
      const previous = session.socket;
      // The old socket still open: its drop is told to the app with the return, once the session is whole.
      const droppedUnseen = previous !== undefined && previous !== this.socket;
      this.session = session;
      // The session's budgets, as the last connection left them: a flooder gains nothing by reconnecting.
      if (session.abuseGuard) this.#guard = session.abuseGuard;
      else session.abuseGuard = this.#guard;
      if (droppedUnseen) {
        // The old path went silent (a network switch) and its socket was never seen to close: that drop
        // is told now, so the room and the others hear away before back, as for any other drop.
        session.awaySince = clock.now();
        rooms.markAway(session);
      }
      session.attach(this.socket, this.remoteAddress);
      this.#adopt(session);
      // A takeover's client may be of another version than the one it replaces.
      session.requestsToPlayer.answers = hasFeature(body.features, Feature.requests) === true;
      session.readsNewerCodes = body.features !== undefined;
      if (previous && previous !== this.socket) {
        previous.close(
          closeCodeFor(ErrorCode.SESSION_REPLACED),
          takeover ? TAKEN_OVER : 'replaced by a newer connection',
        );
      }
      // A takeover's client holds no room and none of its state: the room's, in full, follows the replay.
      const resync = takeover || session.outbox.hasHole;
      // The old client's direct path to the server is no path to the new one.
      if (takeover) session.link.takenOver();
      this.#welcome(session, true, resync, takeover ? rooms.seatingOf(session) : undefined);
      const leaving = this.#ctx.saidGoodbye();
      if (body.link && !leaving) this.#ctx.serverLinks.open(session, addressBlock(this.remoteAddress));
      // Answers to the old client's requests (and room requests) would settle the new one's that happen to
      // share their ids.
      const replayed = session.outbox.replay(body.resume.ack, clock.now(), takeover ? isNoAnswer : undefined);
      for (const frame of replayed) session.sendFrame(frame);
      session.link.resumed(resync);
      if (resync) {
        session.outbox.clearHole();
        // The rooms' requests among what the client lost are owed no answer (see RequestsToPlayer.forgive).
        session.requestsToPlayer.forgive();
        // Answers may have been in what the outbox dropped: a request would never settle.
        if (!takeover) session.resendAnswers();
      }
      this.#ctx.metrics.count('resumes_total');
      rooms.markBack(session, resync);
      // After the replay: what the player was sent while away is not lost to the goodbye.
      this.#ctx.tellLeaving(this);
      // Last: a listener may end the session (`endSession`), which must find it whole, on this socket:
      // told as away while the old one still held it, its end would leave this one with an ended session.
      if (droppedUnseen) this.#ctx.sessionEvents.away(session);
      this.#ctx.sessionEvents.back(session, takeover);
      return;
    }
    if (this.#ctx.saidGoodbye()) {
      // No session to make: the player is only sent on, to start one on the node it is sent to.
      this.#ctx.tellLeaving(this);
      return;
    }
    if (this.#ctx.isClosing()) {
      // A socket opened just before `close()` began: a session made now could do nothing but end.
      this.close(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
      return;
    }
    const session = sessions.create(this.identity);
    this.session = session;
    this.#ctx.sessionStarted();
    session.abuseGuard = this.#guard;
    session.attach(this.socket, this.remoteAddress);
    this.#adopt(session);
    session.requestsToPlayer.answers = hasFeature(body.features, Feature.requests) === true;
    session.readsNewerCodes = body.features !== undefined;
    this.#ctx.serverLinks.attach(session);
    this.#welcome(session, false, false);
    if (body.link) this.#ctx.serverLinks.open(session, addressBlock(this.remoteAddress));
    this.#ctx.tellLeaving(this);
    // Last: a listener may end the session (`endSession`), which must find it welcomed.
    this.#ctx.sessionEvents.began(session);
  }

  /** Hooks this connection to its session's writes and cut-offs. */
  #adopt(session: Session): void {
    session.onFrameSent = (frame) => this.#ctx.frames.count('out', frame);
    session.onCut = () => {
      // What this socket still brings is not acted on: its answers could not be written either.
      this.#refusing = true;
      this.#ctx.metrics.count('connections_cut_total', { code: ErrorCode.OUTBOX_OVERFLOW });
    };
  }

  /** `room`: the room a takeover's session sits in, for the new client to hold (`Welcome.room`). */
  #welcome(session: Session, resumed: boolean, resync: boolean, room?: JoinedRoom): void {
    this.#sendBare(
      encodeMessage(Kind.Welcome, {
        playerId: session.playerId,
        resumeToken: session.resumeToken,
        name: session.identity.name,
        resumed,
        resync,
        ack: session.inbox.received,
        serverTime: this.#ctx.clock.now(),
        heartbeatMs: this.#ctx.limits.heartbeatMs,
        graceMs: this.#ctx.limits.graceMs,
        ...this.#iceServers(session),
        ...(this.#ctx.serverLinks.available ? { serverLink: true } : {}),
        dataToPeers: true,
        rate: { burst: this.#ctx.limits.rateBurst, perSecond: this.#ctx.limits.ratePerSecond },
        maxFrameBytes: this.#ctx.limits.maxPayloadBytes,
        ...this.#linkMessageBytes(),
        ...(room === undefined ? {} : { room }),
        features: [...OUR_FEATURES],
      }),
    );
  }

  #linkMessageBytes(): { linkMessageBytes?: number } {
    const limit = this.#ctx.serverLinks.announcedMessageBytes;
    return limit === undefined ? {} : { linkMessageBytes: limit };
  }

  #iceServers(session: Session): { iceServers?: IceServer[]; iceTtlMs?: number } {
    const issued = this.#ctx.iceServersFor(session.identity.userId);
    return issued.iceServers.length > 0 ? issued : {};
  }

  #enqueueRequest(session: Session, message: Message): void {
    const rid = (message.body as { rid: number }).rid;
    // A registry that stalls must not let a client pile up requests without end.
    if (session.pendingRequests >= MAX_PENDING_REQUESTS) {
      this.#clientError('bad_input_total', ErrorCode.RATE_LIMITED);
      refuseRequest(
        session,
        this.#ctx.metrics,
        message,
        ErrorCode.RATE_LIMITED,
        `more than ${MAX_PENDING_REQUESTS} requests waiting: wait for their answers`,
        // Not its turn: what the room sent from a join's `onJoin` still waits for that join's answer.
        true,
      );
      return;
    }
    session.pendingRequests++;
    // A request of a client that a takeover superseded is answered to no one: the new client may have
    // one of its own under the same id.
    const takeovers = session.takeovers;
    const superseded = (): boolean => {
      if (session.takeovers === takeovers) return false;
      session.dropHeld(); // what the room sent for the unanswered request: the old client's too
      return true;
    };
    // One request at a time per session: a join cannot interleave with a leave or another join, even
    // across a resume.
    session.requests = session.requests.then(async () => {
      try {
        // Ended meanwhile (closed, replaced, expired): nobody to answer, and no seat to take for it.
        if (session.ended || session.takeovers !== takeovers) return;
        if (this.#ctx.isClosing()) {
          throw new ProtocolError(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
        }
        const result = await handleRequest(this.#ctx.rooms, session, message, this.remoteAddress);
        if (superseded()) return;
        session.respond({ rid, ok: true, ...(result === undefined ? {} : { result }) });
      } catch (error) {
        const known = error instanceof ProtocolError;
        if (!known) {
          this.#ctx.metrics.count('internal_errors_total');
          console.error('vehikill-net: request failed', error);
        }
        if (superseded()) return;
        refuseRequest(
          session,
          this.#ctx.metrics,
          message,
          known ? error.code : ErrorCode.INTERNAL_ERROR,
          known ? error.message : 'the server failed to handle the request',
        );
        if (known && costsAFault(message.kind, error.code)) this.#spend(error.code);
      } finally {
        session.pendingRequests--;
      }
    });
  }

  #fault(code: ErrorCode, message: string, rid?: number): void {
    if (this.session === undefined) {
      // Before the hello the fault budget is this connection's own, thrown away when a resume takes over
      // its session's: a flooder would get a fresh one per connection. So the first fault is the last.
      this.#clientError('bad_input_total', code);
      this.close(ErrorCode.HELLO_REQUIRED, `the first message must be a hello (got: ${code})`);
      return;
    }
    if (!this.#spend(code)) this.notify(code, message, rid);
  }

  /**
   * A bare frame dropped over the rate (see `AbuseGuard.dropped`). Before the hello it is a fault like any
   * other there: the connection's first and last.
   */
  #overRate(now: number): void {
    if (this.session === undefined) {
      this.#fault(ErrorCode.RATE_LIMITED, 'too many messages: slow down');
      return;
    }
    const { fault, tell } = this.#guard.dropped(now);
    if (fault) {
      if (this.#spend(ErrorCode.RATE_LIMITED)) return;
    } else {
      this.#clientError('bad_input_total', ErrorCode.RATE_LIMITED);
    }
    if (tell)
      this.notify(ErrorCode.RATE_LIMITED, 'too many messages: slow down (those over the rate are dropped)');
  }

  /** Takes a fault from the budget; true when that spent it and the connection was closed. */
  #spend(code: ErrorCode): boolean {
    this.#clientError('bad_input_total', code);
    const now = this.#ctx.clock.now();
    if (!this.#guard.fault(now, this.#ctx.stalls.stalledMs(now))) return false;
    this.cutOff(code);
    return true;
  }

  /**
   * The player spent its fault budget (`lastCode`: the fault that spent it, here or on its server link):
   * told TOO_MANY_ERRORS and closed, and its session, if this is its socket, ended at once.
   */
  cutOff(lastCode: string): void {
    this.#ctx.metrics.count('connections_cut_total', { code: ErrorCode.TOO_MANY_ERRORS });
    this.close(ErrorCode.TOO_MANY_ERRORS, `too many bad messages (last: ${lastCode})`);
    // Ended at once: the client takes this code as final, so the seat would only wait out the grace
    // period for nobody, and a client that resumed anyway would be back in the room it was cut from.
    const session = this.session;
    if (session !== undefined && session.socket === this.socket) endCutOff(this.#ctx, session);
  }

  /**
   * Counts an error this client caused, by its address block: the error-spike alert counts each block
   * once a second (see ClientErrors), so a client flooding bad frames pages no one by itself.
   */
  #clientError(name: ClientErrorCounter, code: string): void {
    this.#block ??= addressBlock(this.remoteAddress);
    this.#ctx.clientErrors.count(name, { code }, this.#block);
  }

  /**
   * Writes a frame outside the session's stream (pongs, pings, notices, the welcome). It goes around the
   * session's send queue but counts towards what may wait for the socket: a client that never reads
   * and keeps pinging, or keeps earning notices, is cut off like one that cannot keep up.
   */
  #sendBare(frame: Uint8Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.#ctx.frames.count('out', frame);
    sendBinary(this.socket, frame);
    const session = this.session;
    if (session !== undefined && session.socket === this.socket) session.scheduler.checkWaiting();
  }

  #onClose(code: number): void {
    this.#cancelHelloTimeout?.();
    this.#cancelHelloTimeout = undefined;
    this.#ctx.onClosed(this);
    const session = this.session;
    // A socket replaced by a resume must not disturb the session that moved on.
    if (!session || session.socket !== this.socket) return;
    const { sessions, rooms, limits } = this.#ctx;
    if (code === NORMAL_CLOSURE) {
      rooms.leave(session, 'left', 'left the game');
      sessions.delete(session, 'left');
      return;
    }
    session.detach(limits.graceMs, () => {
      rooms.leave(session, ErrorCode.SESSION_EXPIRED, 'did not come back in time');
      sessions.delete(session, ErrorCode.SESSION_EXPIRED);
    });
    rooms.markAway(session);
    this.#ctx.sessionEvents.away(session);
  }
}
