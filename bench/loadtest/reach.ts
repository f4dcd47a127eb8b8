import { WebSocket } from 'ws';

/**
 * Whether anything answers at `url`: undefined if a server answered the WebSocket upgrade (accepted it,
 * or refused it with an HTTP status: either way a server is there), else why not, e.g. `connect
 * ECONNREFUSED 127.0.0.1:8080` or `no answer within 3000 ms`. One socket, opened and closed at once: a
 * client would instead retry with backoff for half a minute before giving up on an address nobody serves.
 */
export function unreachableBecause(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // a late error of the socket we give up on
      socket.terminate();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('open', () => done(undefined));
    socket.once('unexpected-response', () => done(undefined));
    socket.once('error', (error) => done(error.message || String(error)));
  });
}
