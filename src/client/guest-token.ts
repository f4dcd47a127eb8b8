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
  if (!response.ok) throw new Error(`guest token request failed with HTTP ${response.status}`);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('guest token response has no token');
  return body.token;
}

/** Browsers cannot set headers on a WebSocket, so the token rides in the query string. */
export function withToken(wsUrl: string, token: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
