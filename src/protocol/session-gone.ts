import * as v from 'valibot';

/**
 * Why a server no longer holds the session a client asked to resume: the `reason` of its SESSION_EXPIRED
 * refusal, so that an app can tell its player what happened without reading the message's English. Only
 * what the server knows: it keeps why its sessions ended (for 10 minutes) and reads which node and
 * process made a resume token, but cannot tell another node from an earlier process that picked a random
 * node id, so those two are one reason. A closed set: a new value would be a protocol version change,
 * since a client refuses an Error whose `reason` it does not know (INVALID_MESSAGE).
 */
export const SessionGoneReason = {
  /** Its grace period ran out: the player was away longer than the server holds a seat. */
  expired: 'expired',
  /**
   * It ended on this server otherwise: its own leave (a clean close or a leave request), cut off for bad
   * input, ended by the server (SESSION_ENDED), the server shutting down; or so long ago that the server
   * no longer keeps why.
   */
  ended: 'ended',
  /** This server (the same node id) restarted since the session began: the session died with the old process. */
  restarted: 'restarted',
  /**
   * This server has no record of it: it began on another node, or on a process before a restart of a
   * node with no fixed id, or the token is none this server gave that player.
   */
  unknown: 'unknown',
} as const;

export type SessionGoneReason = (typeof SessionGoneReason)[keyof typeof SessionGoneReason];

export const sessionGoneReason = v.picklist(Object.values(SessionGoneReason));
