import * as v from 'valibot';
import {
  describeIssue,
  ErrorCode,
  type JoinedRoom,
  joinedRoomSchema,
  type Kind,
  type LeaveReason,
  ProtocolError,
} from '../protocol/index.js';
import type { ConnectionState } from './client-events.js';
import type { EarlyMessages } from './early-messages.js';
import { type RedirectingSession, requestFollowingRedirects } from './join-redirects.js';
import type { JoinsUnderWay } from './joins-under-way.js';
import { roomIdOf } from './message-room.js';
import { RoomConnection } from './room-connection.js';
import type { RoomInbox } from './room-inbox.js';
import type { RoomLeaving } from './room-leaving.js';
import type { RoomTransport } from './room-transport.js';
import type { ServerRequests } from './server-requests.js';

type Messages = Record<string, unknown>;

/** The requests that seat the player in a room. */
export type JoinKind =
  | typeof Kind.CreateRoom
  | typeof Kind.JoinRoom
  | typeof Kind.JoinByCode
  | typeof Kind.QuickPlay;

/** What joining needs of the client: its requests and session, its room, and what comes for a join. */
export interface JoiningClient {
  readonly requests: ServerRequests;
  readonly session: RedirectingSession;
  readonly joins: JoinsUnderWay;
  readonly early: EarlyMessages;
  readonly leaves: RoomLeaving;
  readonly inbox: RoomInbox;
  /** The room we are in, if any. */
  room(): RoomConnection | undefined;
  /** Makes `room` the one we are in. */
  seatIn(room: RoomConnection): void;
  playerId(): string | undefined;
  state(): ConnectionState;
  /** How the client last closed for good: what a join answered just before that rejects with. */
  closedWith(): { code: ErrorCode; message: string } | undefined;
  /** What a room entered sends with, each send stamped with its seating `m`. */
  roomTransport(selfId: string, m: number | undefined): RoomTransport;
}

/**
 * Joining rooms: the join sent (following redirects), its answer checked, and the room it seats the
 * player in made ours, with what that room sent before the answer was read through.
 */
export class RoomJoiner {
  readonly #client: JoiningClient;

  constructor(client: JoiningClient) {
    this.#client = client;
  }

  /**
   * `names`: whether the join names this room (a join by id or by code). One that names the room we are in
   * is refused as the server refuses it (JOIN_REJECTED), without asking, unless another join is under way:
   * the server takes that one first, and it may move us out of this room.
   */
  async join<In extends Messages, Out extends Messages, Replies extends Messages>(
    kind: JoinKind,
    body: Record<string, unknown>,
    names?: (room: RoomConnection) => boolean,
  ): Promise<RoomConnection<In, Out, Replies>> {
    const client = this.#client;
    const current = client.room();
    if (!client.joins.waiting && current !== undefined && names?.(current)) throw alreadyInRoom();
    const request = client.joins.start(() =>
      requestFollowingRedirects(client.requests, client.session, kind, body),
    );
    try {
      return this.#enter<In, Out, Replies>(this.#readJoined(await request, request));
    } finally {
      if (client.joins.finish(request)) client.early.clear();
    }
  }

  /**
   * The answer to a join, checked. One this client cannot read (a server of another version, say) seated
   * the player in a room the app will never see: the client leaves it, so that it holds no seat, and the
   * join fails with INVALID_MESSAGE. Leaving is the server's for whatever room the session is in, so the
   * room this client was in is left too (the server had moved the player out of it, or leaves it now).
   */
  #readJoined(result: unknown, request: Promise<unknown>): JoinedRoom {
    const parsed = v.safeParse(joinedRoomSchema, result);
    if (parsed.success) return parsed.output;
    this.#client.leaves.leaveUnreadRoom(request);
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `the server's answer to the join cannot be read (${describeIssue(parsed.issues).slice(0, 300)}): left the room`,
    );
  }

  /**
   * Holds the room a session this client took over sits in (`Welcome.room`), as a join would have: what
   * the server replays and sends for it from now on comes to it.
   */
  adopt(joined: JoinedRoom): RoomConnection {
    const client = this.#client;
    const selfId = client.playerId();
    if (selfId === undefined) throw new Error('a room taken over before the session: a bug');
    const room = new RoomConnection(joined, client.roomTransport(selfId, joined.membership));
    client.seatIn(room);
    return room;
  }

  /** Makes the joined room ours, handing it what it sent before its answer was read (`EarlyMessages`). */
  #enter<In extends Messages, Out extends Messages, Replies extends Messages>(
    joined: JoinedRoom,
  ): RoomConnection<In, Out, Replies> {
    const client = this.#client;
    const current = client.room();
    if (current !== undefined) {
      // The seating we have: a server of an earlier version answers a join of the room we are in with the
      // room as we have it, seating no one. The room stays ours, as when the server refuses the join.
      const same = current.roomId === joined.room.roomId;
      if (same && current.membership === joined.membership) throw alreadyInRoom();
      current.applyLeft('left', same ? 'joined the room anew' : 'joined another room');
    }
    const selfId = client.playerId();
    if (selfId === undefined) {
      // Closed between the answer and now (by the app: NOT_CONNECTED): as every request the close cut short.
      const closed = client.state() === 'closed' ? client.closedWith() : undefined;
      if (closed) throw new ProtocolError(closed.code, `closed during the join: ${closed.message}`);
      throw new ProtocolError(ErrorCode.SESSION_EXPIRED, 'the session ended during the join');
    }
    // Everything sent for this room names this seating (undefined from an old server: left out), so the
    // server refuses what is still on its way when we have moved on to another room.
    const m = joined.membership;
    const room = new RoomConnection<In, Out, Replies>(joined, client.roomTransport(selfId, m));
    client.seatIn(room as unknown as RoomConnection);
    let leftEarly: { reason: LeaveReason; message: string } | undefined;
    const disposeLeave = room.on('leave', (left) => (leftEarly = left));
    for (const early of client.early.takeMessages()) {
      if (client.room() === room && roomIdOf(early) === room.roomId) client.inbox.receive(early);
    }
    disposeLeave();
    if (leftEarly) {
      // Put out of the room right behind the answer (the server closing, a kick from onJoin): the join
      // did not give the app a room to play in.
      const { reason, message } = leftEarly;
      throw new ProtocolError(
        reason === 'left' ? ErrorCode.NOT_IN_ROOM : reason,
        `left room ${room.roomId} as the join completed: ${message}`,
      );
    }
    for (const early of client.early.takeSignals()) {
      if (early.m === m) room.receiveSignal(early.from, early.s);
    }
    return room;
  }
}

/** A join of the room the player is in: refused, in the server's words (see `RoomJoiner.join`). */
function alreadyInRoom(): ProtocolError {
  return new ProtocolError(ErrorCode.JOIN_REJECTED, 'already in this room: leave it first to join it again');
}
