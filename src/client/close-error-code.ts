import { ErrorCode } from '../protocol/index.js';
import type { ClientEvents } from './client-events.js';

/**
 * The error code a request or `connect()` rejects with when the client ends: closed by the app, it was
 * never going to be answered (NOT_CONNECTED); given up after `maxReconnectAttempts`, the server could not
 * be reached (NODE_UNREACHABLE); otherwise the server's own code.
 */
export function errorCodeOfClose(code: ClientEvents['closed']['code']): ErrorCode {
  if (code === 'CLOSED_BY_CLIENT') return ErrorCode.NOT_CONNECTED;
  if (code === 'GAVE_UP') return ErrorCode.NODE_UNREACHABLE;
  return code;
}
