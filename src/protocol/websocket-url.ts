/**
 * A URL a client can open as a WebSocket and a server can send clients to (a redirect's or a drain's
 * target, a node's `publicUrl`, a client's `url`): `ws:` or `wss:` (any case), parseable, with no
 * whitespace and no fragment in it (a WebSocket constructor throws on `#`, even with nothing after it).
 * One rule for all of them, so a URL the server accepts is one the client follows.
 */
export function isWebSocketUrl(text: unknown): boolean {
  if (typeof text !== 'string' || /[\s#]/.test(text)) return false;
  try {
    const { protocol } = new URL(text);
    return protocol === 'ws:' || protocol === 'wss:';
  } catch {
    return false;
  }
}

/**
 * The URL of an HTTP endpoint (`pathname`) on the server whose WebSocket URL is `wsUrl`: the same host and
 * port, `https:` for `wss:` and `http:` for `ws:`, no query (which may hold the client's token), and no
 * credentials (`wss://user:password@host/ws`): fetch throws on a URL that has them, so the guest token
 * request could never be made.
 */
export function httpEndpointUrl(wsUrl: string, pathname: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.username = '';
  url.password = '';
  url.pathname = pathname;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * The query parameter a draining node adds to the URL it sends a player to, naming its drain (by a random
 * name, which tells nothing of the draining node): the node the player lands on counts it as that drain's
 * arrival (see the server's `ArrivalTally`). The client connects with it, and reports the URL without it
 * (`withoutArrivalTag`): the node's URL as its operator gave it.
 */
export const ARRIVAL_TAG = 'arrivingFrom';

/** `url` without the drain's `ARRIVAL_TAG`: the node's URL as its operator gave it. */
export function withoutArrivalTag(url: string): string {
  if (!url.includes(ARRIVAL_TAG)) return url;
  const plain = new URL(url);
  plain.searchParams.delete(ARRIVAL_TAG);
  return plain.toString();
}
