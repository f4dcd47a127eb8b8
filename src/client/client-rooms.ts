import type { Body, JoinedRoom, Kind, Message } from '../protocol/index.js';
import { EarlyMessages } from './early-messages.js';
import { JoinsUnderWay } from './joins-under-way.js';
import { ResyncSeatingCheck } from './resync-seating-check.js';
import type { RoomConnection } from './room-connection.js';
import { RoomInbox } from './room-inbox.js';
import { type JoiningClient, type JoinKind, RoomJoiner } from './room-joiner.js';
import { RoomLeaving } from './room-leaving.js';
import type { RoomSeat } from './room-seat.js';
import type { SessionConnection } from './session-connection.js';

type Messages = Record<string, unknown>;

/** What the client's rooms need of it: its requests and session, and what a room entered sends with. */
export type RoomsClient = Pick<
  JoiningClient,
  'requests' | 'playerId' | 'state' | 'closedWith' | 'roomTransport'
> & {
  readonly session: Pick<
    SessionConnection,
    'clock' | 'url' | 'unreachableForMs' | 'moveTo' | 'afterServerCaughtUp'
  >;
  /** Answers a room's request to us NOT_IN_ROOM (see InboxClient). */
  refuseRequest(q: number): void;
};

/**
 * The room this client is in, and its ways in and out: joins (with what comes for a join before its
 * answer is read through), leaves, the check that a resumed session still sits in it, and what the
 * server sends for rooms.
 */
export class ClientRooms {
  #room: RoomConnection | undefined;
  /** Joins waiting for their answer, which a leave made meanwhile waits for. */
  readonly #joins = new JoinsUnderWay();
  /** What came for a room not (yet) ours while a join was waiting: maybe the joined room's. */
  readonly #early = new EarlyMessages();
  /** Leaving rooms, and the rooms left whose leave the server has not answered yet. */
  readonly #leaves: RoomLeaving;
  /** Whether a resumed session still sits in our room, once its replay is read. */
  readonly #resyncCheck: ResyncSeatingCheck;
  /** What the server sends for rooms: to ours, kept for a join, or dropped. */
  readonly #inbox: RoomInbox;
  /** Joining rooms: the join sent, its answer read, the room made ours. */
  readonly #joiner: RoomJoiner;

  constructor(client: RoomsClient) {
    const seat: RoomSeat = {
      room: () => this.#room,
      vacate: () => {
        this.#room = undefined;
      },
    };
    this.#leaves = new RoomLeaving({
      ...seat,
      requests: client.requests,
      joins: this.#joins,
      clock: client.session.clock,
      playerId: client.playerId,
      state: client.state,
    });
    this.#resyncCheck = new ResyncSeatingCheck(seat, client.session);
    this.#inbox = new RoomInbox({
      ...seat,
      joins: this.#joins,
      early: this.#early,
      leaves: this.#leaves,
      resyncCheck: this.#resyncCheck,
      refuseRequest: (q) => client.refuseRequest(q),
    });
    this.#joiner = new RoomJoiner({
      ...client,
      joins: this.#joins,
      early: this.#early,
      leaves: this.#leaves,
      inbox: this.#inbox,
      room: seat.room,
      seatIn: (room) => {
        this.#room = room;
      },
    });
  }

  /** The room we are in, if any. */
  get room(): RoomConnection | undefined {
    return this.#room;
  }

  /** Whether a join is waiting for its answer. */
  get joining(): boolean {
    return this.#joins.waiting;
  }

  /** See `RoomJoiner.join`. */
  join<In extends Messages, Out extends Messages, Replies extends Messages>(
    kind: JoinKind,
    body: Record<string, unknown>,
    names?: (room: RoomConnection) => boolean,
  ): Promise<RoomConnection<In, Out, Replies>> {
    return this.#joiner.join<In, Out, Replies>(kind, body, names);
  }

  /** See `RoomJoiner.adopt`. */
  adopt(joined: JoinedRoom): RoomConnection {
    return this.#joiner.adopt(joined);
  }

  /** A room's `leave()`. */
  leave(room: RoomConnection): Promise<void> {
    return this.#leaves.leave(room);
  }

  /** A join's answer could not be read: see `RoomLeaving.leaveUnreadRoom`. */
  leaveUnreadRoom(): void {
    this.#leaves.leaveUnreadRoom();
  }

  /** The session ended: the room is ours no more. Returns it, for the caller to tell it why. */
  release(): RoomConnection | undefined {
    const room = this.#room;
    this.#room = undefined;
    return room;
  }

  /** A welcome: after a resync, whether we still sit in our room is checked; a resumed room is told. */
  welcomed(fresh: boolean, resync: boolean): void {
    this.#resyncCheck.welcomed(fresh, resync);
    // The room's peer links held back their dispatch retransmissions while the socket was down.
    if (!fresh) this.#room?.applyResumed();
  }

  receive(message: Message): void {
    this.#inbox.receive(message);
  }

  receiveSignal(body: Body<typeof Kind.SignalFromPeer>): void {
    this.#inbox.receiveSignal(body);
  }
}
