import { isErrorCode } from '../../protocol/index.js';
import type { AuthResult } from './authenticator.js';

/**
 * An authenticator's answer as the upgrade can use it, checked before the upgrade completes: an app in
 * JavaScript can answer anything, and a shape the upgrade trips over once the 101 is sent (a refusal whose
 * message is not text, no identity) made it write its HTTP 500 into the WebSocket stream, which the client
 * reads as a bad frame and reconnects for ever. A refusal with a code on the wire is kept, its message made
 * text; anything else throws, which the upgrade answers as it does an authenticator that throws.
 */
export function checkedAuthResult(answer: unknown): AuthResult {
  if (typeof answer !== 'object' || answer === null)
    throw new TypeError(
      `the authenticator answered ${String(answer)}, not {ok, identity} or {ok, code, message}`,
    );
  const { ok, identity, code, message } = answer as Record<string, unknown>;
  if (ok === true) {
    if (typeof identity !== 'object' || identity === null)
      throw new TypeError('the authenticator accepted with no identity object');
    const { data } = identity as { data?: unknown };
    if (data !== undefined && !isPlainObject(data))
      throw new TypeError('the authenticator accepted with an identity.data that is not a plain object');
    return answer as AuthResult;
  }
  // Not guessed as UNAUTHORIZED: no client could read it (the Error frame's code is a closed set), and
  // the app's mistake is seen only if it is logged.
  if (!isErrorCode(code))
    throw new TypeError(`the authenticator refused with ${String(code)}, which is not an ErrorCode`);
  return { ok: false, code, message: messageText(message) };
}

/** Text for a refusal's message: an Error's own message (an app passing on what it caught), else ''. */
function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (typeof message === 'number' || typeof message === 'boolean' || typeof message === 'bigint')
    return String(message);
  if (message instanceof Error && typeof message.message === 'string') return message.message;
  return '';
}

/** An object literal's kind (or one made with no prototype): what `{ ...data }` copies faithfully. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
