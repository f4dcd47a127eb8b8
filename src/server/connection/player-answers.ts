import { type Body, ErrorCode, type Kind } from '../../protocol/index.js';
import type { Session } from '../sessions/session.js';
import type { RoomRequestPort } from './room-requests.js';

/**
 * The codes a client answers a room's request with when it has no answer: its handler threw or its answer
 * could not be sent (REQUEST_FAILED), it has no handler (UNKNOWN_MESSAGE_TYPE), its handler outlasted the
 * room's wait (REQUEST_TIMEOUT), it left the room (NOT_IN_ROOM), it is running too many (RATE_LIMITED), or
 * its outbox was full with what it had to send (OUTBOX_OVERFLOW: its answer too large for the room kept).
 * The room reads the code: a client must not make it read another (KICKED, SERVER_SHUTTING_DOWN, ...).
 */
const PLAYER_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.REQUEST_FAILED,
  ErrorCode.UNKNOWN_MESSAGE_TYPE,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.NOT_IN_ROOM,
  ErrorCode.RATE_LIMITED,
  ErrorCode.OUTBOX_OVERFLOW,
]);

/**
 * A RoomReply from a client: its answer to a room's request (`Room.request`). An answer to no request
 * asked, or to one answered already, is a fault (UNEXPECTED_REPLY); so is a refusal with a code a client
 * does not refuse with (INVALID_MESSAGE), which the room hears as REQUEST_FAILED.
 */
export function handlePlayerAnswer(
  port: Pick<RoomRequestPort, 'fault'>,
  session: Session,
  body: Body<typeof Kind.RoomReply>,
): void {
  let answer = body;
  if (!body.ok && !PLAYER_REFUSALS.has(body.code)) {
    port.fault(
      ErrorCode.INVALID_MESSAGE,
      `an answer to request ${body.q} refuses it with ${body.code}: a client refuses with one of ${[...PLAYER_REFUSALS].join(', ')}`,
    );
    answer = {
      q: body.q,
      ok: false,
      code: ErrorCode.REQUEST_FAILED,
      message: "the player's answer was not valid",
    };
  }
  if (session.requestsToPlayer.answer(answer) === 'unexpected') {
    port.fault(
      ErrorCode.UNEXPECTED_REPLY,
      `an answer to request ${body.q}, which was never asked or was answered already`,
    );
  }
}
