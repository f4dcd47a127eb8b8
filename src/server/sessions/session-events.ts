import { type Disposer, Emitter } from '../../common/index.js';
import { ErrorCode, type LeaveReason } from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';
import { safely } from '../rooms/safely.js';
import type { Session } from './session.js';

/** A session of this node as its server-wide events describe it (no resume token; `data` is its own). */
export interface SessionInfo {
  readonly playerId: string;
  /** The authenticated user (see `Identity.userId`): one user may hold several sessions (tabs, devices). */
  readonly userId: string;
  readonly name: string;
  /** Where the session's newest socket comes from (behind proxies, as `trustProxy` reads it). */
  readonly address: string;
  /** The session's own data (`RoomClient.data`): the same object its rooms read, to set or read here. */
  readonly data: Record<string, unknown>;
}

/** A session's lifecycle on this node, as `GameServer.on` tells it. */
export interface SessionEvents {
  /** A new session: its player authenticated and welcomed (not a resume, not a takeover). */
  'session-begin': SessionInfo;
  /** Its socket dropped: the session, and its seat, are held for a resume (`graceMs`). */
  'session-away': SessionInfo;
  /** It has a socket again: its client resumed it, or a new client took it over (`takenOver`). */
  'session-back': SessionInfo & { readonly takenOver: boolean };
  /** It ended for good, once per session, with why (the reason its room hears in `onLeave`). */
  'session-end': SessionInfo & { readonly reason: LeaveReason };
}

const EVENT_NAMES: ReadonlySet<string> = new Set<keyof SessionEvents>([
  'session-begin',
  'session-away',
  'session-back',
  'session-end',
]);

/**
 * Tells the app's listeners about this node's sessions. A listener that throws or rejects is logged and
 * counted (`room_hook_errors_total{hook}`, as the app's room hooks are) and never stops the server or the
 * other listeners: these run in the middle of a hello, a socket's close or the server's shutdown.
 */
export class SessionEventHub {
  readonly #emitter = new Emitter<SessionEvents>();
  readonly #metrics: MetricsSink;
  /**
   * Sessions told as begun, listened to or not: only they are told as ended, so that a listener hears an
   * end only after the begin (one that ended before it was welcomed is told neither).
   */
  readonly #begun = new WeakSet<Session>();
  /** Sessions whose event the listeners are being told now: one that ends meanwhile is told so after. */
  readonly #telling = new Set<Session>();
  /** Ends that came while their session's event was being told (a listener called `endSession`). */
  readonly #endsOwed = new Set<Session>();

  constructor(metrics: MetricsSink) {
    this.#metrics = metrics;
  }

  on<E extends keyof SessionEvents>(event: E, listener: (payload: SessionEvents[E]) => unknown): Disposer {
    if (!EVENT_NAMES.has(event)) {
      throw new TypeError(`GameServer.on(): no event '${String(event)}' (${[...EVENT_NAMES].join(', ')})`);
    }
    if (typeof listener !== 'function')
      throw new TypeError('GameServer.on(): the listener must be a function');
    const where = `server.on('${event}')`;
    return this.#emitter.on(event, (payload) =>
      safely(this.#metrics, where, () => listener(payload), `a ${where} listener`),
    );
  }

  // A session that ended meanwhile (a room hook, an earlier listener ended it) is told nothing more:
  // its 'session-end' came last, once.
  began(session: Session): void {
    if (session.ended) return;
    this.#begun.add(session);
    this.#emit('session-begin', session, {});
  }

  away(session: Session): void {
    if (!session.ended) this.#emit('session-away', session, {});
  }

  back(session: Session, takenOver: boolean): void {
    if (!session.ended) this.#emit('session-back', session, { takenOver });
  }

  ended(session: Session): void {
    if (!this.#begun.has(session)) return;
    // The listeners still to hear the begin (or away, back) must hear it before the end.
    if (this.#telling.has(session)) {
      this.#endsOwed.add(session);
      return;
    }
    // As the store records it: a session ended with no reason given expired.
    this.#emit('session-end', session, { reason: session.endReason ?? ErrorCode.SESSION_EXPIRED });
  }

  #emit<E extends keyof SessionEvents>(
    event: E,
    session: Session,
    extra: Omit<SessionEvents[E], keyof SessionInfo>,
  ): void {
    if (this.#emitter.listenerCount(event) === 0) return;
    const { playerId, address, identity, data } = session;
    const payload = { playerId, userId: identity.userId, name: identity.name, address, data, ...extra };
    this.#telling.add(session);
    try {
      this.#emitter.emit(event, payload as SessionEvents[E]);
    } finally {
      this.#telling.delete(session);
    }
    if (this.#endsOwed.delete(session)) this.ended(session);
  }
}
