import type { Client } from '../client/index.js';
import { checkTimeout, DEFAULT_WAIT_MS, within } from './wait-timeout.js';

/**
 * Resolves once the server has read and handled everything `client` sent before the call (see
 * `Client.serverCaughtUp`): then the server room's state shows it. Rejects NOT_CONNECTED as that does,
 * or with a WaitTimeoutError after `timeoutMs` (default 5 s).
 */
export function serverCaughtUp(client: Client, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_WAIT_MS);
  return within(
    client.serverCaughtUp(),
    `the server to handle what player ${client.playerId} sent`,
    timeoutMs,
  );
}
