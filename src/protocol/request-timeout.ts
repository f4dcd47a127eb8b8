import { ErrorCode } from './error-codes.js';
import { ProtocolError } from './protocol-error.js';
import { MAX_TTL_MS } from './send-options.js';

/** How long a room request waits for its answer unless told otherwise (ms), whichever side asks. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A request's `timeoutMs` as given, or INVALID_MESSAGE naming it (`what`: the call, for the message): a
 * number of ms above 0 and at most MAX_TTL_MS, the longest a timer and the wire's `w` take.
 */
export function checkTimeoutMs(timeoutMs: unknown, what: string): number {
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TTL_MS)) {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `${what}: timeoutMs must be a number of ms above 0 and at most ${MAX_TTL_MS}, not ${String(timeoutMs).slice(0, 40)}`,
    );
  }
  return timeoutMs;
}
