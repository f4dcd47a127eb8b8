import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../common/index.js';
import type { Authenticator, AuthResult } from './authenticator.js';
import { checkedAuthResult } from './checked-auth-result.js';

/**
 * Asks `authenticator` about an upgrade, for at most `timeoutMs`: past it, rejects as a throwing
 * authenticator does. One that never answers (an auth service called without a timeout of its own) held
 * the upgrade's socket, which nothing reads once upgraded (so its close goes unseen), and its address
 * slot for good, and `close()` waited on it. An answer of a shape the upgrade cannot use rejects too
 * (see `checkedAuthResult`).
 */
export function authenticateWithin(
  authenticator: Authenticator,
  request: IncomingMessage,
  token: string | undefined,
  timeoutMs: number,
  clock: Clock,
): Promise<AuthResult> {
  return new Promise<AuthResult>((resolve, reject) => {
    const cancel = clock.setTimeout(() => {
      reject(new Error(`the authenticator did not answer within ${timeoutMs.toLocaleString('en-US')} ms`));
    }, timeoutMs);
    // Called inside the promise: a synchronous throw is a rejection, as an async one's is.
    Promise.resolve()
      .then(() => authenticator.authenticate(request, token))
      .then(checkedAuthResult)
      .then(
        (result) => {
          cancel();
          resolve(result);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
  });
}
