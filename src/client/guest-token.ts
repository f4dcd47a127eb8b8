import { ErrorCode, httpEndpointUrl, isErrorCode, ProtocolError } from '../protocol/index.js';

/**
 * The server refused in a way that asking again cannot change: a 4xx other than 408, 425 and 429 whose
 * body names one of our error codes (a bad request, a server with no guest endpoint, an origin not
 * allowed). Connecting ends with it. A 4xx without a code came from something in between (a proxy's
 * challenge page, a load balancer's 404 during a deploy) and is retried like a 5xx, failover included.
 */
export class GuestTokenRefused extends ProtocolError {}

/**
 * Getting a guest token failed in a way that asking again may change: retried with the backoff. Its code
 * is what the app tells the player: UNAUTHORIZED only for a 401 or 403 (an authorizing proxy in front of
 * the server said no); RATE_LIMITED for a 429 (too many tokens asked for from this address: the retry
 * waits); NODE_UNREACHABLE for everything else (no answer, a busy or failing server, a page from something
 * in between), since a server that is down must not read as "you are not allowed in".
 */
export class GuestTokenUnavailable extends ProtocolError {}

/** Statuses that mean "not allowed", even without one of our codes in the body. */
const NOT_ALLOWED = new Set([401, 403]);

function unavailable(status: number, detail: string): GuestTokenUnavailable {
  const code = NOT_ALLOWED.has(status)
    ? ErrorCode.UNAUTHORIZED
    : status === 429
      ? ErrorCode.RATE_LIMITED
      : ErrorCode.NODE_UNREACHABLE;
  return new GuestTokenUnavailable(code, `guest token request failed with HTTP ${status}${detail}`);
}

/** Statuses worth asking again after: the server is busy or failing, not refusing this request. */
const RETRYABLE = new Set([408, 425, 429]);

/** The server's guest-token endpoint, derived from its WebSocket URL. */
export function guestTokenUrl(wsUrl: string): string {
  return httpEndpointUrl(wsUrl, '/auth/guest');
}

/**
 * A guest token from the server's endpoint; with `renew` (our expired token), one for the same guest, so
 * a session bound to that guest can still be resumed.
 */
export async function fetchGuestToken(wsUrl: string, name?: string, renew?: string): Promise<string> {
  const endpoint = guestTokenUrl(wsUrl);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(name === undefined ? {} : { name }),
        ...(renew === undefined ? {} : { renew }),
      }),
    });
  } catch (cause) {
    // No answer at all: refused, reset, DNS, offline. A browser says only "Failed to fetch", so the
    // message names the address asked, which is what a developer with a wrong `url` or a server not
    // started has to see.
    throw new GuestTokenUnavailable(
      ErrorCode.NODE_UNREACHABLE,
      `guest token request to ${endpoint} got no answer (${String(cause)}): is the server running there?`,
      { cause },
    );
  }
  if (!response.ok) {
    const status = response.status;
    if (status < 400 || status >= 500 || RETRYABLE.has(status)) throw unavailable(status, '');
    const said = await readRefusal(response);
    if (said.code === undefined) throw unavailable(status, said.message ? `: ${said.message}` : '');
    throw new GuestTokenRefused(
      said.code,
      `the server refused a guest token (HTTP ${status})${said.message ? `: ${said.message}` : ''}`,
    );
  }
  // A 200 without a token is not the game server's answer (a captive portal, a proxy's page).
  const body = (await response.json().catch(() => ({}))) as { token?: unknown };
  if (typeof body.token !== 'string') {
    throw new GuestTokenUnavailable(ErrorCode.NODE_UNREACHABLE, 'guest token response has no token');
  }
  return body.token;
}

/** The `{code, message}` of a refusal, as far as the body has them (a proxy's page has neither). */
async function readRefusal(response: Response): Promise<{ code?: ErrorCode; message?: string }> {
  const text = (await response.text().catch(() => '')).slice(0, 512);
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    return {
      ...(isErrorCode(body.code) ? { code: body.code } : {}),
      ...(typeof body.message === 'string' ? { message: body.message } : {}),
    };
  } catch {
    return text.trim() === '' || text.trimStart().startsWith('<') ? {} : { message: text.trim() };
  }
}

/** Browsers cannot set headers on a WebSocket, so the token rides in the query string. */
export function withToken(wsUrl: string, token: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
