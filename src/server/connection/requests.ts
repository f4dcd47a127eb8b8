import { type Body, ErrorCode, Kind, type Message, requestKinds } from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';
import { kindLabel } from '../monitoring/frame-kinds.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { RoomQuery } from '../rooms/room-watchers.js';
import type { Session } from '../sessions/session.js';

/** Characters of an error answer's message (its schema's limit). */
const MAX_REFUSAL_LENGTH = 512;

export function isRequest(message: Message): boolean {
  return requestKinds.has(message.kind);
}

/**
 * Runs one client request; its result is the Response body's `result`. Throws ProtocolError on refusal.
 * `address`: the remote address of the connection it came on.
 */
export async function handleRequest(
  rooms: RoomManager,
  session: Session,
  message: Message,
  address: string,
): Promise<unknown> {
  switch (message.kind) {
    case Kind.ListRooms:
      return { rooms: await rooms.listFor(roomQuery(message.body), address) };
    case Kind.WatchRooms:
      return { rooms: await rooms.watch(session, roomQuery(message.body), address) };
    case Kind.UnwatchRooms:
      rooms.watchers.unwatch(session);
      return undefined;
    case Kind.CreateRoom:
      return rooms.create(
        session,
        message.body.type,
        message.body.private ?? false,
        message.body.options,
        address,
      );
    case Kind.JoinRoom:
      return rooms.join(session, message.body.roomId, message.body.options);
    case Kind.JoinByCode:
      return rooms.joinByCode(session, message.body.code, message.body.options, address);
    case Kind.QuickPlay:
      return rooms.quickPlay(
        session,
        message.body.type,
        message.body.filter,
        message.body.options,
        address,
        message.body.from,
      );
    case Kind.LeaveRoom:
      rooms.leave(session);
      return undefined;
    default:
      throw new TypeError(`kind ${message.kind} is not a request`);
  }
}

/**
 * Answers a request with an error. Every refusal goes through here, so `requests_refused_total` counts
 * them all by request kind and code (a registry outage shows as REGISTRY_UNAVAILABLE on joins and
 * creations). Both labels are closed sets: the protocol's kinds and error codes, never ids or text.
 * A redirect (ROOM_ON_OTHER_NODE: the room lives on another node, which the client moves to) travels as
 * an error answer but refuses nothing: it is counted apart, in `requests_redirected_total`.
 * `outOfTurn`: refused without running (see `Session.respond`).
 */
export function refuseRequest(
  session: Session,
  metrics: MetricsSink,
  message: Message,
  code: ErrorCode,
  text: string,
  outOfTurn = false,
): void {
  const request = kindLabel(message.kind);
  if (code === ErrorCode.ROOM_ON_OTHER_NODE) metrics.count('requests_redirected_total', { request });
  else metrics.count('requests_refused_total', { request, code });
  // Cut to what the answer's schema takes: a longer message would make the client drop the answer, and
  // its request would never settle.
  const said = text.slice(0, MAX_REFUSAL_LENGTH);
  session.respond({ rid: (message.body as { rid: number }).rid, ok: false, code, message: said }, outOfTurn);
}

/** The query of a ListRooms or WatchRooms request, without the fields it left out. */
function roomQuery({ type, filter, includeFull, limit }: Body<typeof Kind.ListRooms>): RoomQuery {
  return {
    ...(type === undefined ? {} : { type }),
    ...(filter === undefined ? {} : { filter }),
    ...(includeFull === undefined ? {} : { includeFull }),
    ...(limit === undefined ? {} : { limit }),
  };
}
