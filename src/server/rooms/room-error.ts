import { APP_ERROR_CODE, MAX_REASON_LENGTH } from '../../protocol/index.js';

/**
 * A room's refusal of a request, meant for the player: thrown (or rejected with) from a handler that a
 * client called with `room.request`, it answers the request REQUEST_FAILED with this `code` (the reply's
 * `reason`) and `message`. Anything else a handler throws is the room's bug: the player is told only
 * that the request failed, never the error's words, and it is logged and counted. Thrown from a
 * handler that a plain `send` reached, it is not logged either: there is no one to answer.
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
