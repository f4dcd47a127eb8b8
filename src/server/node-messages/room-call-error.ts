import { type ErrorCode, ProtocolError } from '../../protocol/index.js';

/**
 * Why `GameServer.callRoom` failed: `code` says what went wrong (see docs/server.md, "Calling a room on
 * any node"), and `reason` is the room's own code when its handler refused with a `RoomError`
 * (`'NO_BOTS_LEFT'`), whose message is then the room's too.
 */
export class RoomCallError extends ProtocolError {
  readonly reason: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { reason?: string | undefined; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RoomCallError';
    this.reason = options.reason;
  }
}
