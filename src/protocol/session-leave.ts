import * as v from 'valibot';
import { playerId, resumeToken } from './messages.js';
import { httpEndpointUrl } from './websocket-url.js';

/**
 * The HTTP goodbye: `POST` here, on the server (host and port) whose WebSocket holds the session, ends
 * the session for good, as a clean close of its socket would. It is for a page going away, whose socket
 * often drops before its closing frame is out (the server would hold the seat for its grace period); a
 * browser delivers a beacon (`navigator.sendBeacon`) after the page is gone.
 */
export const SESSION_LEAVE_PATH = '/session/leave';

/**
 * Largest body: an id of 32 characters and a token of 128 in their JSON fit several times over. Small,
 * since a request whose body is read holds a little memory until it ends.
 */
export const MAX_SESSION_LEAVE_BYTES = 1_024;

/** The longest a page going away may ask its session to be kept for a reload (`keepMs`): 10 minutes. */
export const MAX_SESSION_KEEP_MS = 600_000;

/**
 * The body, JSON (sent as text/plain, so that a beacon from a page of another origin needs no CORS
 * preflight): the session's player id and its resume token, the secret from the session's welcome.
 * With `keepMs` it does not end the session: it asks the server to hold it, once its socket is gone, for
 * at most that long (and never longer than its grace period) for a reloaded page to take it over.
 */
export const sessionLeaveSchema = v.object({
  playerId,
  token: resumeToken,
  keepMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SESSION_KEEP_MS))),
});

/** Whether `value` is a `keepMs` the goodbye takes: a whole number of ms from 1 to MAX_SESSION_KEEP_MS. */
export function isSessionKeepMs(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SESSION_KEEP_MS;
}

export type SessionLeave = v.InferOutput<typeof sessionLeaveSchema>;

/** The goodbye's URL on the server whose WebSocket URL is `wsUrl`: http(s), same host and port. */
export function sessionLeaveUrl(wsUrl: string): string {
  return httpEndpointUrl(wsUrl, SESSION_LEAVE_PATH);
}
