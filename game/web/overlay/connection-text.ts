import type { SessionGoneReason } from 'vehikill-net/client';
import { capitalize, problemText, seatLostText } from '../problem-text.js';

/**
 * The connection banner's words, apart from the page so they can be checked on their own. Seconds are
 * whole; `graceMs` is how long the server holds a dropped player's seat (from its welcome).
 */

/** The server said our session is gone: its `session-expired` event, whose `reason` says why. */
export interface SeatLoss {
  readonly reason?: SessionGoneReason | undefined;
}

/**
 * While reconnecting: how long the link has been down, and what that means for the seat. The server
 * holds it for `graceMs`; once the downtime passes that, the page must not promise it any more (the
 * server may have let it go, or restarted and never had it). `seatLost`: the server's word that it is gone,
 * when it said so already.
 */
export function reconnectingText(seconds: number, graceMs: number | undefined, seatLost?: SeatLoss): string {
  const lost = `Connection lost: reconnecting (${seconds} s).`;
  if (seatLost !== undefined) return `${lost} ${capitalize(seatLostText(seatLost.reason))}.`;
  // No welcome yet: no seat to speak of.
  if (graceMs === undefined) return lost;
  const graceSeconds = Math.round(graceMs / 1000);
  if (seconds * 1000 >= graceMs) {
    return `${lost} You have been away longer than the ${graceSeconds} s the server holds a seat: it may be lost.`;
  }
  return `${lost} Your seat is held for up to ${graceSeconds} s.`;
}

/**
 * The session the server had for us is gone: what the player lost, why (away past the grace period, a
 * server that restarted meanwhile, ..., as the server's `reason` says), and what to do.
 */
export function lostSeatText(seatLost: SeatLoss): string {
  return `${capitalize(seatLostText(seatLost.reason))}. Join again from the lobby.`;
}

/** Out of the match because the session was lost: for the lobby's status line. */
export function lostMatchText(seatLost: SeatLoss): string {
  return `You are out of the match: ${seatLostText(seatLost.reason)}.`;
}

/**
 * The drain notice (`SERVER_DRAINING`, a deploy), said while the match goes on; undefined for any other
 * code (a shutdown has `shutdownText`). The drain's message is not used: on the wire it is only where the
 * client will be sent ('' when nowhere), and the client's sentence for it speaks of "the client".
 */
export function leavingServerText(code: string): string | undefined {
  if (code === 'SERVER_DRAINING') {
    return 'This server is restarting: the match finishes, then you move to another server (or, if none is up, connect again).';
  }
  return undefined;
}

/**
 * The shutdown notice, counting down the seconds left (`undefined`: the server said none): the match
 * goes on until then, or until it ends first; at the deadline the server ends the match and closes the
 * connection for good, and the page offers to connect again.
 */
export function shutdownText(secondsLeft: number | undefined): string {
  const then = 'the match ends and this page is disconnected: connect again once the server is back';
  if (secondsLeft === undefined) return `This server is shutting down: ${then}.`;
  if (secondsLeft <= 0) return `This server is shutting down now: ${then}.`;
  return `This server is shutting down within ${secondsLeft} s: then ${then}.`;
}

/** The client closed for good (not by the page): why, and what to do. */
export function disconnectedText(code: string, message: string): string {
  return `Disconnected: ${problemText(code, message)}. Connect again to play.`;
}

/** Out of the match for a reason other than leaving it: for the lobby's status line. */
export function leftMatchText(reason: string, message: string): string {
  return `You are out of the match: ${problemText(reason, message)}.`;
}

/**
 * The client moved to another server on its own (`moved`): for a drain or a server that stopped
 * answering, the match there is gone; following a room to its server (ROOM_ON_OTHER_NODE) is no news.
 */
export function movedText(code: string): string | undefined {
  if (code === 'ROOM_ON_OTHER_NODE') return undefined;
  const why = code === 'SERVER_DRAINING' ? 'That server restarted' : 'That server stopped answering';
  return `${why}: you are on another server now. Join a match from the lobby.`;
}
