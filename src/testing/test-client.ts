import { Client, type ClientOptions } from '../client/index.js';
import { recordingWebSocket, rememberSockets } from './client-sockets.js';

/**
 * How a test's client reconnects: within a fifth of a second, where a browser's backoff would keep a
 * test that drops a socket waiting for seconds.
 */
const QUICK_BACKOFF = { baseMs: 20, maxMs: 200 };

/**
 * A Node client (with `ws`) of the server at `url`, not connected yet, reconnecting quickly: for a server
 * the app's test started itself (under `attach`, say). The test closes it; `startTestGame`'s `client()`
 * closes its own. `dropConnection` can cut its connection, unless `options` bring a WebSocket of their own.
 */
export function testClient(url: string, options: ClientOptions = {}): Client {
  const sockets = recordingWebSocket();
  const clientOptions: ClientOptions = {
    url,
    WebSocket: sockets.WebSocket,
    backoff: QUICK_BACKOFF,
    ...given(options),
  };
  const client = new Client(clientOptions);
  // A WebSocket the test gave wins; the kit then has no hold on the client's sockets.
  if (clientOptions.WebSocket === sockets.WebSocket) rememberSockets(client, sockets.current);
  return client;
}

/**
 * The options given a value: one passed on as undefined (by a test's helper that was not given it) means
 * "not given", as it does to `new Client`, and must not erase the game's url or the kit's WebSocket.
 */
function given(options: ClientOptions): ClientOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
