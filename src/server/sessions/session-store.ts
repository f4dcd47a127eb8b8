import type { Clock } from '../../common/index.js';
import { ErrorCode, type LeaveReason, type SessionGoneReason } from '../../protocol/index.js';
import type { Identity } from '../auth/authenticator.js';
import { newPlayerId, sameSecret } from '../ids.js';
import { EndedSessions, endedRefusal } from './ended-sessions.js';
import type { SessionOrigin } from './resume-token.js';
import { Session, type SessionLimits } from './session.js';

export type ResumeOutcome =
  | { ok: true; session: Session }
  | { ok: false; code: 'SESSION_EXPIRED'; message: string; reason: SessionGoneReason; takenOver?: undefined }
  | {
      ok: false;
      code: 'RESUME_REJECTED';
      message: string;
      reason?: undefined;
      /** The token was the session's until another client took the session over with it. */
      takenOver?: true;
    };

const TOKEN_MISMATCH: ResumeOutcome = {
  ok: false,
  code: 'RESUME_REJECTED',
  message: 'resume token does not match this session',
};

/**
 * A token the session had until a new client took the session over with it (a reloaded page, another tab):
 * the client that still holds it has been superseded. Told apart from a wrong token only to a holder of
 * that token, which was the session's secret.
 */
const TAKEN_OVER: ResumeOutcome = {
  ok: false,
  code: 'RESUME_REJECTED',
  message:
    'the session was taken over by another client (a reloaded page, another tab) since this resume token was given',
  takenOver: true,
};

/**
 * The right resume token on a connection authenticated as another user: a guest that fetched a new guest
 * token instead of keeping (or renewing) its own. Said apart from a wrong token because only the holder of
 * the session's resume token (256 random bits only its client was told) ever reads it: the token is
 * checked first, so anyone else learns nothing from the difference.
 */
const IDENTITY_MISMATCH: ResumeOutcome = {
  ok: false,
  code: 'RESUME_REJECTED',
  message:
    "this connection is authenticated as another user than the session's: use the token it began with, or that token renewed",
};

/** Live sessions of this node, keyed by public player id. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #clock: Clock;
  readonly #limits: SessionLimits;
  readonly #origin: SessionOrigin;
  readonly #onEnded: ((session: Session) => void) | undefined;
  readonly #ended = new EndedSessions();

  /**
   * `onEnded`: runs once a session has ended for good (closed, cut off, expired or replaced by a
   * shutdown), for what it still holds elsewhere to be let go at once.
   */
  constructor(
    clock: Clock,
    limits: SessionLimits,
    origin: SessionOrigin,
    onEnded?: (session: Session) => void,
  ) {
    this.#clock = clock;
    this.#limits = limits;
    this.#origin = origin;
    this.#onEnded = onEnded;
  }

  get size(): number {
    return this.#sessions.size;
  }

  create(identity: Identity): Session {
    let playerId = newPlayerId();
    while (this.#sessions.has(playerId)) playerId = newPlayerId();
    const session = new Session(
      playerId,
      this.#origin.newToken(playerId),
      identity,
      this.#clock,
      this.#limits,
    );
    this.#sessions.set(playerId, session);
    return session;
  }

  /**
   * Finds the session a reconnecting client claims. A wrong token, or the right token presented by another
   * identity (user id), is refused without touching the real session: its socket, seat and timers stay as
   * they are. The token is checked first, so only its holder hears that the identity was what failed.
   */
  claim(playerId: string, token: string, identity: Identity): ResumeOutcome {
    const outcome = this.prove(playerId, token);
    if (outcome.ok && outcome.session.identity.userId !== identity.userId) return IDENTITY_MISMATCH;
    return outcome;
  }

  /**
   * Finds the session `token` proves, whoever presents it: for a request that carries no identity of
   * its own (a leave request, see SESSION_LEAVE_PATH), where the token, a secret of 256 random bits only
   * the session's client was told, is the whole proof. A wrong token leaves the session untouched.
   */
  prove(playerId: string, token: string): ResumeOutcome {
    const session = this.#sessions.get(playerId);
    if (!session) {
      // Still SESSION_EXPIRED whatever the cause (clients start afresh on it); the reason and message say why.
      const ended = this.#ended.reason(playerId, token, this.#clock.now());
      const gone = ended === undefined ? this.#origin.whyGone(playerId, token) : endedRefusal(ended);
      return { ok: false, code: 'SESSION_EXPIRED', ...gone };
    }
    if (!sameSecret(token, session.resumeToken))
      return session.superseded(token) ? TAKEN_OVER : TOKEN_MISMATCH;
    return { ok: true, session };
  }

  /**
   * A new client takes `session` over (see `Hello.resume.takeover`): the session gets a new resume token,
   * so that the client that held it can no longer resume it, and is told why if it tries.
   */
  takeOver(session: Session): void {
    session.takenOver(this.#origin.newToken(session.playerId));
  }

  /**
   * Ends the session for good; every way a session ends comes through here. `reason` is the leave reason
   * its room hears (see `Session.endReason`), also when the room was still deciding on its join.
   */
  delete(session: Session, reason?: LeaveReason): void {
    if (this.#sessions.get(session.playerId) === session) this.#sessions.delete(session.playerId);
    const wasEnded = session.ended;
    session.end(reason);
    if (wasEnded) return;
    const endReason = session.endReason ?? ErrorCode.SESSION_EXPIRED;
    this.#ended.add(session.playerId, session.resumeToken, endReason, this.#clock.now());
    this.#onEnded?.(session);
  }

  all(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** The live session of `playerId` on this node, connected or away; undefined for none. */
  get(playerId: string): Session | undefined {
    return this.#sessions.get(playerId);
  }
}
