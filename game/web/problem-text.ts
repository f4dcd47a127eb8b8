import { ProtocolError, type SessionGoneReason } from 'vehikill-net/client';

/**
 * What the page says about an error code, as the middle of a sentence ("you were away too long and lost
 * your seat"): the codes a player can meet (from the server, or the client's own `GAVE_UP`). Codes not
 * listed get a generic sentence; the code itself is never what the player reads.
 */
const PROBLEMS: Record<string, string> = {
  SESSION_EXPIRED: 'you were away too long and lost your seat',
  SESSION_REPLACED: 'this player connected again from another tab or window',
  SESSION_ENDED: 'the server ended your session',
  RESUME_REJECTED: 'the server could not pick up this session again',
  SERVER_DRAINING: 'this server restarted for an update',
  SERVER_SHUTTING_DOWN: 'this server shut down',
  NODE_UNREACHABLE: 'the server cannot be reached',
  GAVE_UP: 'the server cannot be reached',
  NOT_CONNECTED: 'not connected to the server',
  HEARTBEAT_TIMEOUT: 'the server stopped hearing from this page',
  UNAUTHORIZED: 'the server did not let this page in',
  TOKEN_EXPIRED: 'the sign-in expired',
  HANDSHAKE_REJECTED: 'the server did not let this page in',
  PROTOCOL_VERSION_MISMATCH: 'this page is older than the server: reload it',
  SYNC_TYPES_MISMATCH: 'this page is older than the server: reload it',
  TOO_MANY_ERRORS: 'the server cut this page off after too many bad messages',
  RATE_LIMITED: 'too many requests at once: wait a moment',
  OUTBOX_OVERFLOW: 'the connection fell too far behind',
  INTERNAL_ERROR: 'the server hit an error',
  REGISTRY_UNAVAILABLE: 'the servers cannot find each other right now',
  ROOM_NOT_FOUND: 'that match is gone',
  ROOM_FULL: 'that match is full',
  ROOM_CODE_INVALID: 'no match has that code',
  ROOM_TYPE_UNKNOWN: 'this server does not run Vehikill matches',
  ROOM_DISPOSED: 'the match was closed',
  ROOM_ON_OTHER_NODE: 'the match is on another server',
  JOIN_REJECTED: 'the match did not let you in',
  KICKED: 'you were removed from the match',
  NOT_IN_ROOM: 'you are not in that match any more',
};

/**
 * Codes whose message the sentence already says, or whose message is not for players: a drain's is a
 * URL or '' on the wire (a sentence about "the client" once the client read it), a lost session's
 * repeats "join again".
 */
const MESSAGE_LEFT_OUT = new Set(['SESSION_EXPIRED', 'SERVER_DRAINING', 'SERVER_SHUTTING_DOWN', 'GAVE_UP']);

/**
 * A lost seat by why the server said the session is gone (`session-expired`'s `reason`), not by its
 * message, which is English for developers and may change. Only `expired` blames the player: blaming them
 * after a server crash that took 10 s sent them hunting for a problem of their own. Nothing is said that
 * the server did not: `unknown` may be a restart, or a session begun on another server.
 */
const SEAT_LOST: Record<SessionGoneReason, string> = {
  expired: 'you were away too long and lost your seat',
  ended: 'the server ended your session, and your seat with it',
  restarted: 'the server restarted and lost your seat',
  unknown: 'the server no longer knew your session (it may have restarted), and your seat is lost',
};
/** An older server, which gives no reason. */
const SEAT_LOST_WHY_UNSAID = 'the server no longer had your session, and your seat is lost';

/** A lost seat as a clause (as `problemText`), by the server's reason; undefined when it gave none. */
export function seatLostText(reason: SessionGoneReason | undefined): string {
  return reason === undefined ? SEAT_LOST_WHY_UNSAID : SEAT_LOST[reason];
}

/** Looks like an error code (SESSION_EXPIRED): some paths give the code itself as the message. */
const CODE_LIKE = /^[A-Z]+(?:_[A-Z]+)+$/;

/**
 * A code and its message as the page shows them: a readable clause, lower case, no final stop (the
 * caller says what led to it), with the server's message after it in brackets when it adds something.
 * Any code and any message (empty, the code again, a URL) reads well.
 */
export function problemText(code: string, message: string): string {
  const said = PROBLEMS[code] ?? 'something went wrong';
  const detail = message.trim();
  if (detail === '' || MESSAGE_LEFT_OUT.has(code) || CODE_LIKE.test(detail) || detail === said) return said;
  return `${said} (${detail})`;
}

/** The same as a sentence of its own. */
export function problemSentence(code: string, message: string): string {
  return `${capitalize(problemText(code, message))}.`;
}

/** A failed request or call, as a sentence for the status line. */
export function describeError(error: unknown): string {
  if (error instanceof ProtocolError) return problemSentence(error.code, error.message);
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() === '' ? 'Something went wrong.' : capitalize(message);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
