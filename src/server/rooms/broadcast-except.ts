import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import type { RoomClient } from './room-client.js';

const NONE: ReadonlySet<RoomClient> = new Set();

/**
 * The members a broadcast leaves out: `except` names one member or several (Colyseus's `except` takes a
 * client or an array of them, and ports keep it). Anything else throws at the call, before anything is
 * sent: a player id given for the client used to match no one, so the sender heard its own message.
 */
export function exceptedMembers(except: unknown, type: string): ReadonlySet<RoomClient> {
  if (except === undefined) return NONE;
  const given = Array.isArray(except) ? (except as unknown[]) : [except];
  for (const member of given) {
    if (typeof member !== 'object' || member === null) {
      throw new ProtocolError(
        ErrorCode.INVALID_MESSAGE,
        `room message '${type.slice(0, 64)}': except takes the RoomClient to leave out (or an array of them), ` +
          `not ${member === null ? 'null' : `a ${typeof member}`}: pass the client as the hooks give it`,
      );
    }
  }
  return new Set(given as RoomClient[]);
}
