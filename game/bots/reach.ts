import { WebSocket } from 'ws';

/**
 * HTTP answers to a WebSocket upgrade by which a vehikill-net server refuses it for now (too many
 * connections from the address, 429; a proxy's 503 while the server restarts): a server is there, and a
 * client retries. Any other answer but the upgrade (101) means nothing at this URL takes game clients.
 */
const REFUSED_FOR_NOW = new Set([429, 503]);

/**
 * Why `url` is no vehikill-net server to connect to, or undefined when one answered the WebSocket
 * upgrade (accepted it, or refused it for now: see REFUSED_FOR_NOW). Else one line: `no answer: connect
 * ECONNREFUSED 127.0.0.1:8080`, `no answer within 3000 ms`, `no answer: self-signed certificate`, or `not
 * a vehikill server (HTTP 404 to the WebSocket upgrade)`. One socket, opened and closed at once: a
 * client would instead retry with backoff for half a minute, or for ever, on an address nobody serves.
 * Shared by `npm run bots` and `npm run loadtest`.
 */
export function unreachableBecause(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      resolve(`not a WebSocket URL: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // a late error of the socket we give up on
      socket.terminate();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('open', () => done(undefined));
    socket.once('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      done(
        REFUSED_FOR_NOW.has(status)
          ? undefined
          : `not a vehikill server (HTTP ${status} to the WebSocket upgrade)`,
      );
    });
    socket.once('error', (error) => done(`no answer: ${error.message || String(error)}`));
  });
}
