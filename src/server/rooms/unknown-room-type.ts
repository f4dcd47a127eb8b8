import { ErrorCode, ProtocolError } from '../../protocol/index.js';

/** At most this many of the server's types are named in the refusal: enough to spot a typo. */
const NAMED_TYPES = 12;

/**
 * The refusal of a join, create or quick play for a room type the server does not define, naming the
 * types it does, so that a typo ('arenaa') or a type defined on another build is found at once.
 */
export function unknownRoomType(type: string, defined: readonly string[]): ProtocolError {
  if (defined.length === 0) {
    return new ProtocolError(
      ErrorCode.ROOM_TYPE_UNKNOWN,
      `no room type '${type}': this server defines none (server.define(type, RoomClass) before listen)`,
    );
  }
  const named = defined.slice(0, NAMED_TYPES).map((name) => `'${name}'`);
  const more = defined.length > NAMED_TYPES ? ` and ${defined.length - NAMED_TYPES} more` : '';
  return new ProtocolError(
    ErrorCode.ROOM_TYPE_UNKNOWN,
    `no room type '${type}': this server defines ${named.join(', ')}${more}`,
  );
}
