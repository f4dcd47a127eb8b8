import { type Body, Kind, type Message } from '../protocol/index.js';
import type { EarlyMessages } from './early-messages.js';
import type { JoinsUnderWay } from './joins-under-way.js';
import { fitsMembers } from './member-news.js';
import { roomIdOf } from './message-room.js';
import type { ResyncSeatingCheck } from './resync-seating-check.js';
import type { RoomLeaving } from './room-leaving.js';
import type { RoomSeat } from './room-seat.js';

/** What the inbox needs of the client: its room, the joins on their way and what it keeps for them. */
export interface InboxClient extends RoomSeat {
  readonly joins: JoinsUnderWay;
  readonly early: EarlyMessages;
  readonly leaves: RoomLeaving;
  readonly resyncCheck: ResyncSeatingCheck;
  /** Answers a room's request to us NOT_IN_ROOM: it is for a room we are not in (any more). */
  refuseRequest(q: number): void;
}

/**
 * What the server sends for rooms, and peers' signals: handed to the room we are in, kept for a join on
 * its way (`EarlyMessages`), or dropped (a room left whose leave is not answered yet, news that does not
 * fit the members we know).
 */
export class RoomInbox {
  readonly #client: InboxClient;

  constructor(client: InboxClient) {
    this.#client = client;
  }

  /**
   * A peer's signal, stamped with the seating it was relayed in (older servers: not stamped, the room we
   * are in). One for another seating is not this room's: in Node it can be read right behind the answer to
   * the join that enters its room, before the join has made that room ours, so it is kept for it until then.
   */
  receiveSignal(body: Body<typeof Kind.SignalFromPeer>): void {
    const client = this.#client;
    const room = client.room();
    if (body.m === undefined || body.m === room?.membership) {
      room?.receiveSignal(body.from, body.s);
      return;
    }
    if (client.joins.waiting) client.early.keepSignal(body);
  }

  /**
   * A message for a room (its messages, members joining, leaving, away and back, its state, our leaving
   * it): to ours, if it fits what we know of its members (see `fitsMembers`).
   */
  receive(message: Message): void {
    const client = this.#client;
    const room = client.room();
    const roomId = roomIdOf(message);
    if (!room || roomId !== room.roomId) {
      // What the joined room sends (from onJoin, or news of a player who joined at the same moment) comes
      // right behind the join's answer, possibly in the same read (ws in Node), before the join has gone
      // on to make the room ours: kept for it until then. Not for a seating left (RoomLeaving).
      const kept = roomId !== undefined && !client.leaves.isLeaving(roomId) && client.joins.waiting;
      if (kept) client.early.keepMessage(message);
      // A request the room made of us before it heard of our leave waits for its answer: told at once.
      else if (message.kind === Kind.ServerRoomMessage && message.body.q !== undefined)
        client.refuseRequest(message.body.q);
      return;
    }
    if (!fitsMembers(room, message)) return;
    switch (message.kind) {
      case Kind.ServerRoomMessage:
        if (message.body.q !== undefined)
          room.receiveRequest(message.body.q, message.body.t, message.body.d, message.body.w);
        else room.deliver(message.body.t, message.body.d, message.body.from);
        return;
      case Kind.MemberJoined:
        room.applyMemberJoined(message.body.member);
        return;
      case Kind.MemberLeft:
        room.applyMemberLeft(message.body.playerId, message.body.reason);
        return;
      case Kind.MemberAway:
        room.applyPresence(message.body.playerId, true);
        return;
      case Kind.MemberBack:
        room.applyPresence(message.body.playerId, false);
        return;
      case Kind.RoomState:
        client.resyncCheck.restated(room);
        room.applyState(message.body.state, message.body.members);
        return;
      case Kind.RoomLeft:
        client.vacate();
        room.applyLeft(message.body.reason, message.body.message);
        return;
    }
  }
}
