import { type ErrorCode, isErrorCode, ProtocolError } from '../protocol/index.js';

/**
 * The server refused in a way that asking again cannot change: a 4xx other than 408, 425 and 429 whose
 * body names one of our error codes (a bad request, a server with no guest endpoint, an origin not
 * allowed). Connecting ends with it. A 4xx without a code came from something in between (a proxy's
 * challenge page, a load balancer's 404 during a deploy) and is retried like a 5xx, failover included.
 */
export class GuestTokenRefused extends ProtocolError {}

/** Statuses worth asking again after: the server is busy or failing, not refusing this request. */
const RETRYABLE = new Set([408, 425, 429]);

/** The server's guest-token endpoint, derived from its WebSocket URL. */
export function guestTokenUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/auth/guest';
  url.search = '';
  return url.toString();
}

/**
 * A guest token from the server's endpoint; with `renew` (our expired token), one for the same guest, so
 * a session bound to that guest can still be resumed.
 */
export async function fetchGuestToken(wsUrl: string, name?: string, renew?: string): Promise<string> {
  const response = await fetch(guestTokenUrl(wsUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...(name === undefined ? {} : { name }),
      ...(renew === undefined ? {} : { renew }),
    }),
  });
  if (!response.ok) {
    const status = response.status;
    if (status < 400 || status >= 500 || RETRYABLE.has(status))
      throw new Error(`guest token request failed with HTTP ${status}`);
    const said = await readRefusal(response);
    if (said.code === undefined) {
      throw new Error(
        `guest token request failed with HTTP ${status}${said.message ? `: ${said.message}` : ''}`,
      );
    }
    throw new GuestTokenRefused(
      said.code,
      `the server refused a guest token (HTTP ${status})${said.message ? `: ${said.message}` : ''}`,
    );
  }
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('guest token response has no token');
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
