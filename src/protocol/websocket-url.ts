/**
 * A URL a client can open as a WebSocket and a server can send clients to (a redirect's or a drain's
 * target, a node's `publicUrl`, a client's `url`): `ws:` or `wss:` (any case), parseable, with no
 * whitespace in it. One rule for all of them, so a URL the server accepts is one the client follows.
 */
export function isWebSocketUrl(text: unknown): boolean {
  if (typeof text !== 'string' || /\s/.test(text)) return false;
  try {
    const { protocol } = new URL(text);
    return protocol === 'ws:' || protocol === 'wss:';
  } catch {
    return false;
  }
}
