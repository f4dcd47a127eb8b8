import {
  checkFrameSize,
  checkTimeoutMs,
  DEFAULT_REQUEST_TIMEOUT_MS,
  ErrorCode,
  encodeSendable,
  Kind,
  type LeaveReason,
  ProtocolError,
} from '../../protocol/index.js';
import type { HostedClient } from './hosted-client.js';

/**
 * Requests one room may have waiting for their answers, across its members: one to every member of the
 * largest room at once (`setMaxClients` takes 1,024). Each holds a timer and a promise until it settles:
 * a room asking in a loop by mistake must not pile them up without end.
 */
export const MAX_ROOM_ASKS_WAITING = 1024;

/** How a room's request to a player goes (`Room.request`). */
export interface RoomAskOptions {
  /** ms to wait for the answer before the promise rejects REQUEST_TIMEOUT. Default 10,000. */
  timeoutMs?: number;
}

/** What a room's requests need of the room that asks. */
export interface AskingRoom {
  readonly roomId: string;
  /** The largest frame the room sends the app's data in (the node's `maxPayloadBytes`). */
  readonly maxPayloadBytes: number;
}

/**
 * A room's requests to its members (`Room.request`): each a room message with an id (`q`) and the room's
 * wait (`w`), answered by the member's client (its `room.onRequest` handler) with a RoomReply. Bounded
 * per room here, and per player by the session's `RequestsToPlayer`.
 */
export class RoomAsks {
  readonly #room: AskingRoom;
  #waiting = 0;

  constructor(room: AskingRoom) {
    this.#room = room;
  }

  /**
   * Asks `member` (undefined: not a member of this room's, or not this seating) `type` with `data`: the
   * promise of the answer. Rejects at once, with nothing sent, for options that mean nothing
   * (INVALID_MESSAGE), a player not seated here (NOT_IN_ROOM: gone, or still being decided on in
   * `onJoin`, when their client does not know the room yet), MAX_ROOM_ASKS_WAITING waiting in this room
   * (RATE_LIMITED), and what `RequestsToPlayer.ask` refuses.
   */
  ask(
    member: HostedClient | undefined,
    type: string,
    data: unknown,
    options: RoomAskOptions | undefined,
  ): Promise<unknown> {
    let timeoutMs: number;
    try {
      timeoutMs = checkTimeoutMs(
        askOptions(options).timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        'request options',
      );
    } catch (error) {
      return Promise.reject(error);
    }
    const what = `request '${String(type).slice(0, 64)}'`;
    if (member === undefined || member.admission !== 'seated') {
      return Promise.reject(
        new ProtocolError(
          ErrorCode.NOT_IN_ROOM,
          `${what}: the player is not seated in room ${this.#room.roomId} (gone, or still being let in by onJoin)`,
        ),
      );
    }
    if (this.#waiting >= MAX_ROOM_ASKS_WAITING) {
      return Promise.reject(
        new ProtocolError(
          ErrorCode.RATE_LIMITED,
          `${what}: ${MAX_ROOM_ASKS_WAITING} requests of this room are waiting for their answers already`,
        ),
      );
    }
    const w = Math.ceil(timeoutMs);
    this.#waiting++;
    return member.session.requestsToPlayer
      .ask(member, String(type), timeoutMs, (q) =>
        member.session.sendEncoded(this.#encode(type, data, q, w, what), 'reliable'),
      )
      .finally(() => {
        this.#waiting--;
      });
  }

  /** `member` left the room for `reason`: its requests waiting reject with it (NOT_IN_ROOM for 'left'). */
  left(member: HostedClient, reason: LeaveReason): void {
    const code = reason === 'left' ? ErrorCode.NOT_IN_ROOM : reason;
    member.session.requestsToPlayer.failOf(
      member,
      code,
      `the player left room ${this.#room.roomId} (${reason})`,
    );
  }

  /** The request as the client will read it: what it would refuse throws here, at the room's call. */
  #encode(type: string, data: unknown, q: number, w: number, what: string): Uint8Array {
    const inner = encodeSendable(
      Kind.ServerRoomMessage,
      { roomId: this.#room.roomId, t: type, ...(data === undefined ? {} : { d: data }), q, w },
      what,
    );
    checkFrameSize(inner, 'reliable', this.#room.maxPayloadBytes, what);
    return inner;
  }
}

/** The options as given, or INVALID_MESSAGE for what is not an options object (a callback, say). */
function askOptions(options: unknown): RoomAskOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `request options must be an object {timeoutMs}, not ${typeof options === 'function' ? 'a function' : String(options).slice(0, 40)}`,
    );
  }
  return options as RoomAskOptions;
}
