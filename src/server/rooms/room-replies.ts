import {
  checkFrameSize,
  type ErrorCode,
  encodeMessage,
  encodeSendable,
  Kind,
  MAX_REASON_LENGTH,
} from '../../protocol/index.js';

/**
 * The RoomReply to request `q` carrying `value` (`undefined`: no `d`), checked as a room message the room
 * sends is: data the client would refuse, or a frame over `maxPayloadBytes`, throws INVALID_MESSAGE or
 * MESSAGE_TOO_LARGE.
 */
export function encodeReply(q: number, value: unknown, maxPayloadBytes: number, type: string): Uint8Array {
  const what = `the reply to '${String(type).slice(0, 64)}'`;
  const inner = encodeSendable(
    Kind.RoomReply,
    { q, ok: true, ...(value === undefined ? {} : { d: value }) },
    what,
  );
  checkFrameSize(inner, 'reliable', maxPayloadBytes, what);
  return inner;
}

/** The RoomReply refusing request `q`; `reason`: the app's own code (a RoomError's). */
export function encodeRefusal(q: number, code: ErrorCode, message: string, reason?: string): Uint8Array {
  return encodeMessage(Kind.RoomReply, {
    q,
    ok: false,
    code,
    message: message.slice(0, MAX_REASON_LENGTH),
    ...(reason === undefined ? {} : { reason }),
  });
}
