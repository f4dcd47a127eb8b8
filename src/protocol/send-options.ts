import { ErrorCode } from './error-codes.js';
import { DEFAULT_EXPIRING_TTL_MS, MessageClass } from './message-class.js';
import { ProtocolError } from './protocol-error.js';

/** How one message travels, as an app asks for it (a room's `send`, on either side). */
export interface MessageSendOptions {
  /** Default 'reliable'. */
  class?: MessageClass;
  /** For 'expiring' only: ms after which the message is dropped rather than sent. Default 250. */
  ttlMs?: number;
}

/** The longest lifetime an expiring message can be given (ms, about 24 days). */
export const MAX_TTL_MS = 2 ** 31 - 1;

/**
 * The options as sent, or INVALID_MESSAGE naming what is wrong. Checked at the call: a class spelled
 * wrong was taken for 'reliable' (a 'volitile' message buffered and replayed), a `ttlMs` without the
 * 'expiring' class did nothing, NaN failed deep in the encoder without a code, and a callback in their
 * place (socket.io's acknowledgement) was taken for no options and never called. A fractional `ttlMs`
 * (1000 / 30) is rounded up to whole ms, as the wire carries it.
 */
export function checkSendOptions(options: MessageSendOptions | undefined): {
  messageClass: MessageClass;
  ttlMs: number | undefined;
} {
  const given: unknown = options;
  if (typeof given === 'function') {
    // socket.io's emit(event, data, ack): the callback was taken for no options and never called.
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      "send options: a function was given, but messages have no acknowledgement callbacks: for an answer, the client asks with room.request(type, data), whose promise gets the value the room's handler returns (docs/from-socketio.md)",
    );
  }
  if (given !== undefined && typeof given !== 'object') {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `send options must be an object {class, ttlMs}, not ${describe(given)}`,
    );
  }
  const messageClass = options?.class ?? MessageClass.reliable;
  if (!Object.hasOwn(MessageClass, messageClass)) {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `send options: class must be 'reliable', 'expiring' or 'volatile', not ${describe(messageClass)}`,
    );
  }
  const ttlMs = options?.ttlMs;
  if (ttlMs === undefined) {
    return { messageClass, ttlMs: messageClass === 'expiring' ? DEFAULT_EXPIRING_TTL_MS : undefined };
  }
  if (messageClass !== 'expiring') {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `send options: ttlMs is for class 'expiring' only (this message is '${messageClass}')`,
    );
  }
  if (!(typeof ttlMs === 'number' && ttlMs > 0 && ttlMs <= MAX_TTL_MS)) {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `send options: ttlMs must be a number of ms above 0 and at most ${MAX_TTL_MS}, not ${describe(ttlMs)}`,
    );
  }
  return { messageClass, ttlMs: Math.ceil(ttlMs) };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value.slice(0, 40)}'` : String(value).slice(0, 40);
}
