import type { ErrorCode } from './error-codes.js';
import { APP_ERROR_CODE, MAX_REASON_LENGTH } from './messages.js';
import { ProtocolError } from './protocol-error.js';

/**
 * A refusal of a room request meant for the side that asked, thrown (or rejected with) from the handler
 * that answers it: a room's `onMessage` handler that a client's `room.request` reached, or a client's
 * `room.onRequest` handler that the room's `request` reached. It answers the request REQUEST_FAILED with
 * this `code` (the reply's `reason`) and `message`. Anything else a handler throws is a bug of the side
 * answering: the asker is told only that the request failed, never the error's words, and it is logged
 * (and counted, on the server). Thrown from a room's handler that a plain `send` reached, it is not
 * logged either: there is no one to answer.
 */
export class RoomError extends Error {
  /** The app's own code: 1-64 letters, digits or `_.:-` (`NOT_ENOUGH_COINS`). */
  readonly code: string;

  constructor(code: string, message = code) {
    if (typeof code !== 'string' || !APP_ERROR_CODE.test(code)) {
      throw new TypeError(
        `RoomError: the code must be 1-64 letters, digits or _.:- (NOT_ENOUGH_COINS), got ${String(code).slice(0, 80)}`,
      );
    }
    super(String(message).slice(0, MAX_REASON_LENGTH));
    this.name = 'RoomError';
    this.code = code;
  }
}

/**
 * The side asked refused a room request: `code` is the protocol's (REQUEST_FAILED when its handler threw
 * or rejected; UNKNOWN_MESSAGE_TYPE, INVALID_MESSAGE, NOT_IN_ROOM, ... when it never ran), and `reason`
 * the answering side's own code when it refused with a `RoomError` (`'NOT_ENOUGH_COINS'`).
 */
export class RoomRequestError extends ProtocolError {
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, reason: string | undefined) {
    super(code, message);
    this.name = 'RoomRequestError';
    this.reason = reason;
  }
}
