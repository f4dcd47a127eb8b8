import { ErrorCode } from '../protocol/index.js';

/**
 * A notice's message as an app may show it. A drain notice's message is, on the wire, only the URL of the
 * node the client will be sent to (or '': the server knows none): said as a sentence here, the URL in it.
 * With none, the client goes to the next of its fallback URLs at the goodbye, or, with none of those
 * either, is closed for good (SERVER_DRAINING): the sentence says which.
 */
export function readableNotice(code: ErrorCode, message: string, hasFallback: boolean): string {
  if (code !== ErrorCode.SERVER_DRAINING) return message;
  const when = "the room plays on until it ends or the drain's deadline";
  if (message !== '')
    return `this server is draining for a deploy: ${when}, then the client moves to ${message}`;
  if (hasFallback) {
    return `this server is draining for a deploy: ${when}, then the client moves to the next of its fallback URLs`;
  }
  return `this server is draining for a deploy and has no other server to send this client to: ${when}, then the session ends (closed with SERVER_DRAINING)`;
}
