import { ErrorCode } from '../protocol/index.js';

/** Where the client stands when a drain notice comes, which the sentence tells it by. */
export type NoticeContext = {
  /** More entry points to go to when the server names no node. */
  hasFallback: boolean;
  /** In a room, which plays on; in none, the client only waits for the drain to end. */
  inRoom: boolean;
};

/**
 * A notice's message as an app may show it. A drain notice's message is, on the wire, only the URL of the
 * node the client will be sent to (or '': the server knows none): said as a sentence here, the URL in it.
 * With none, the client goes to the next of its fallback URLs at the goodbye, or, with none of those
 * either, is closed for good (SERVER_DRAINING): the sentence says which. A client in no room (one that
 * connected to the draining node, or is between rooms) is not told of a room playing on: it has none.
 */
export function readableNotice(code: ErrorCode, message: string, context: NoticeContext): string {
  if (code !== ErrorCode.SERVER_DRAINING) return message;
  const draining = 'this server is draining for a deploy';
  const nowhere = `${draining} and has no other server to send this client to`;
  const ends = 'the session ends (closed with SERVER_DRAINING)';
  const destination = message !== '' ? message : 'the next of its fallback URLs';
  const hasDestination = message !== '' || context.hasFallback;
  if (!context.inRoom) {
    const when = "once the server's rooms end or the drain's deadline comes";
    return hasDestination
      ? `${draining}: the client moves to ${destination} ${when}`
      : `${nowhere}: ${ends} ${when}`;
  }
  const when = "the room plays on until it ends or the drain's deadline";
  return hasDestination
    ? `${draining}: ${when}, then the client moves to ${destination}`
    : `${nowhere}: ${when}, then ${ends}`;
}
