import {
  type Body,
  ErrorCode,
  type Kind,
  MAX_ROOM_REQUESTS_WAITING,
  ProtocolError,
} from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';
import type { ClientErrors } from '../monitoring/client-errors.js';
import { refusalCodeFor } from '../rooms/codes-for-older-clients.js';
import { RoomFault } from '../rooms/room-fault.js';
import type { RoomManager } from '../rooms/room-manager.js';
import { encodeRefusal } from '../rooms/room-replies.js';
import {
  MAX_ROOM_REQUESTS_OVERDUE,
  MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE,
  MIN_REQUEST_DEADLINE_MS,
  OVERDUE_WRITE_OFF_MS,
  type RequestSlots,
} from '../sessions/request-slots.js';
import type { Session } from '../sessions/session.js';

/** What a room request needs of the connection it came on. */
export interface RoomRequestPort {
  readonly rooms: RoomManager;
  readonly metrics: MetricsSink;
  /** Where a handler written off as hung is counted: by the source of its request (see ClientErrors). */
  readonly clientErrors: Pick<ClientErrors, 'count'>;
  /** Takes a fault from the connection's budget: true when that spent it (the connection is closed). */
  spend(code: ErrorCode): boolean;
  /** A fault told with an Error notice (no reply: the id is another request's). */
  fault(code: ErrorCode, message: string): void;
}

type RoomRequest = Body<typeof Kind.ClientRoomMessage> & { q: number };

/**
 * How long a handler may hold the place of a request that says nothing of its wait (`w`: one from a client
 * of an earlier version): those clients wait 10 s unless told otherwise, and a minute leaves room for one
 * told to wait longer while freeing a handler that never settles within a minute.
 */
export const UNSTATED_WAIT_DEADLINE_MS = 60_000;

/**
 * A room message with a request id (`q`): handed to the room as a message is, and answered with exactly
 * one RoomReply, reliable: the handler's value, or why there is none. What the room refuses is told in the
 * reply, not in an Error notice, so that the request settles; a refusal that is a fault for a message
 * (an unknown type, data its schema refuses) is one for a request too. A handler that has not settled by
 * the request's deadline (the client's own wait, `w`, at least MIN_REQUEST_DEADLINE_MS; else
 * UNSTATED_WAIT_DEADLINE_MS) is answered REQUEST_TIMEOUT then, its place freed: the client has stopped
 * waiting, and its late answer is dropped. While too many such handlers still run (of the request's type,
 * or of all: MAX_ROOM_REQUESTS_OVERDUE...), the request is refused REQUESTS_OVERDUE, not handed to the room.
 * One still running OVERDUE_WRITE_OFF_MS past its deadline is written off as hung and counted once, as
 * that (`room_request_handlers_hung_total`, by the request's source): if it throws later, that is not
 * counted again as a hook error.
 */
export function handleRoomRequest(port: RoomRequestPort, session: Session, request: RoomRequest): void {
  const { q } = request;
  const waiting = session.roomRequestsWaiting;
  if (waiting.has(q)) {
    // Answered, the reply would settle the request waiting under that id with another's answer.
    port.fault(
      ErrorCode.INVALID_MESSAGE,
      `request ${q} is already waiting for its reply: ids are one a request`,
    );
    return;
  }
  if (waiting.size >= MAX_ROOM_REQUESTS_WAITING) {
    const message = `more than ${MAX_ROOM_REQUESTS_WAITING} requests waiting: wait for their replies`;
    if (!port.spend(ErrorCode.RATE_LIMITED)) session.reply(encodeRefusal(q, ErrorCode.RATE_LIMITED, message));
    return;
  }
  const overdue = overdueRefusal(waiting, request.t);
  if (overdue !== undefined) {
    // No fault: an honest client whose earlier requests met slow handlers gets here too.
    port.metrics.count('room_requests_overdue_total');
    const code = refusalCodeFor(ErrorCode.REQUESTS_OVERDUE, session.readsNewerCodes);
    session.reply(encodeRefusal(q, code, overdue));
    return;
  }
  let reply: Uint8Array | Promise<Uint8Array>;
  // Set once the handler is written off as hung: counted as that, its later failure is not counted again.
  let hung = false;
  try {
    reply = port.rooms.handleRequest(session, request.t, request.d, request.m, q, () => hung);
  } catch (error) {
    refuse(port, session, q, error);
    return;
  }
  if (reply instanceof Uint8Array) {
    session.reply(reply);
    return;
  }
  const deadlineMs = Math.max(request.w ?? UNSTATED_WAIT_DEADLINE_MS, MIN_REQUEST_DEADLINE_MS);
  const free = waiting.take(
    q,
    request.t,
    deadlineMs,
    () => {
      const type = request.t.slice(0, 64);
      session.reply(
        encodeRefusal(
          q,
          ErrorCode.REQUEST_TIMEOUT,
          `the room did not answer '${type}' within ${deadlineMs} ms`,
        ),
      );
    },
    () => {
      hung = true;
      // By the address the player is on now: one client's requests hanging count as one source.
      port.clientErrors.count('room_request_handlers_hung_total', undefined, session.addressBlock);
    },
  );
  reply
    .then((inner) => {
      // Past its deadline (answered REQUEST_TIMEOUT then: the id may be another request's by now), or the
      // session ended meanwhile (closed, expired, cut off): no one is left to read it.
      if (free() && !session.ended) session.reply(inner);
    })
    .catch((error: unknown) => {
      free();
      port.metrics.count('internal_errors_total');
      console.error('vehikill-net: a room request could not be answered', error);
    });
}

/**
 * Why a request of `type` is not to be handed to the room while its earlier ones' handlers still run past
 * their deadlines, or undefined when it may be.
 */
function overdueRefusal(waiting: RequestSlots, fullType: string): string | undefined {
  // Cut as the other refusals cut it: a type is the client's text, up to the frame's size.
  const type = fullType.slice(0, 64);
  let running: string;
  if (waiting.overdueOf(fullType) >= MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE)
    running = `${MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE} handlers of your earlier '${type}' requests`;
  else if (waiting.overdue >= MAX_ROOM_REQUESTS_OVERDUE)
    running = `${MAX_ROOM_REQUESTS_OVERDUE} handlers of your earlier requests`;
  else return undefined;
  return `request '${type}' not handled: ${running} are still running past their deadlines (each counted for ${OVERDUE_WRITE_OFF_MS / 1_000} s past it at most): try again once they are done`;
}

/**
 * The room refused the request before its handler ran. As for a message: not being in the room (a race
 * with a leave or a join) and the room's own schema failing are told, free; anything else the room
 * refuses is a fault, told unless it spent the budget (the connection is closed then).
 */
function refuse(port: RoomRequestPort, session: Session, q: number, error: unknown): void {
  if (
    error instanceof RoomFault ||
    (error instanceof ProtocolError && error.code === ErrorCode.NOT_IN_ROOM)
  ) {
    session.reply(encodeRefusal(q, error.code, error.message));
    return;
  }
  if (error instanceof ProtocolError) {
    if (!port.spend(error.code)) session.reply(encodeRefusal(q, error.code, error.message));
    return;
  }
  port.metrics.count('internal_errors_total');
  console.error('vehikill-net: error while handling a room request', error);
  session.reply(encodeRefusal(q, ErrorCode.INTERNAL_ERROR, 'the server failed to handle that request'));
}
