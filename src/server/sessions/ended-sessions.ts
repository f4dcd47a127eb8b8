import { ErrorCode, type LeaveReason, SessionGoneReason } from '../../protocol/index.js';
import { sameSecret } from '../ids.js';

/** How long why a session ended is kept for a resume that comes after it (longer than any usual grace). */
const KEPT_MS = 10 * 60_000;
/** At most this many kept (the oldest go first): a few hundred bytes each, whatever comes and goes. */
const MAX_KEPT = 4_096;

interface Ended {
  readonly token: string;
  readonly reason: LeaveReason;
  readonly until: number;
}

/**
 * Why this process's recent sessions ended, for the refusal of a resume that comes after: a client cut
 * off while away (its WebSocket down, its direct link flooding) or whose leave request ended its session
 * learns that from its resume, not that a grace period ran out. Only the session's own resume token reads
 * its reason; any other gets the general answer. The refusal stays SESSION_EXPIRED whatever the reason:
 * the client starts afresh on it.
 */
export class EndedSessions {
  readonly #ended = new Map<string, Ended>();

  /** Notes that the session of `playerId` (resumed with `token`) ended for `reason` at `now`. */
  add(playerId: string, token: string, reason: LeaveReason, now: number): void {
    // Added in time order, so the oldest are first: expired ones are let go from the front.
    for (const [id, ended] of this.#ended) {
      if (ended.until > now && this.#ended.size < MAX_KEPT) break;
      this.#ended.delete(id);
    }
    this.#ended.delete(playerId);
    this.#ended.set(playerId, { token, reason, until: now + KEPT_MS });
  }

  /** Why the session `token` proves ended, when it ended here lately; undefined otherwise. */
  reason(playerId: string, token: string, now: number): LeaveReason | undefined {
    const ended = this.#ended.get(playerId);
    if (ended === undefined || ended.until <= now || !sameSecret(token, ended.token)) return undefined;
    return ended.reason;
  }
}

/** Why a resume's session is gone, as its SESSION_EXPIRED refusal says it: in a word, and in words. */
export interface SessionGone {
  readonly reason: SessionGoneReason;
  readonly message: string;
}

/** The SESSION_EXPIRED refusal of a resume of a session that ended for `reason`. */
export function endedRefusal(reason: LeaveReason): SessionGone {
  const expired = reason === ErrorCode.SESSION_EXPIRED;
  return {
    reason: expired ? SessionGoneReason.expired : SessionGoneReason.ended,
    message: endedMessage(reason),
  };
}

function endedMessage(reason: LeaveReason): string {
  switch (reason) {
    case ErrorCode.SESSION_EXPIRED:
      return 'the session ended (grace period over): join again';
    case ErrorCode.TOO_MANY_ERRORS:
      return 'the session was cut off for too many bad messages (TOO_MANY_ERRORS): join again';
    case 'left':
      return 'the session was ended by its own leave (a close or a leave request): join again';
    case ErrorCode.SERVER_SHUTTING_DOWN:
      return 'the session ended as this server shut down: join again on another server';
    case ErrorCode.SESSION_ENDED:
      return 'the session was ended by the server (SESSION_ENDED): join again';
    default:
      return `the session ended (${reason}): join again`;
  }
}
