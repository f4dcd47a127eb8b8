import { WebSocket } from 'ws';
import { Client, type ClientOptions } from '../client/index.js';

/**
 * How a test's client reconnects: within a fifth of a second, where a browser's backoff would keep a
 * test that drops a socket waiting for seconds.
 */
const QUICK_BACKOFF = { baseMs: 20, maxMs: 200 };

/**
 * A Node client (with `ws`) of the server at `url`, not connected yet, reconnecting quickly: for a server
 * the app's test started itself (under `attach`, say). The test closes it; `startTestGame`'s `client()`
 * closes its own.
 */
export function testClient(url: string, options: ClientOptions = {}): Client {
  return new Client({ url, WebSocket, backoff: QUICK_BACKOFF, ...options });
}
