import { Kind, type Member, type Message } from '../protocol/index.js';

/** What the news is checked against: the room's members as this client knows them, and its own id. */
export interface KnownMembers {
  readonly selfId: string;
  memberOf(playerId: string): Member | undefined;
}

/**
 * Whether a member's news from the server (joined, left, away, back) fits the members we know: a join of
 * someone not among them, a leave or a change of presence of someone who is, never news of ourselves (the
 * server tells us of our own leave with RoomLeft). News that does not fit is dropped without a word, as a
 * response to no request is: a broken or hostile server must not put ghosts in the list, take players out
 * of it, or have the mesh and voice chat follow events that never happened. A real server can send such
 * news only after its outbox for us overflowed (the news before it was lost), and then a RoomState (the
 * resync) follows, which sets the list right and tells every difference itself.
 */
export function fitsMembers(room: KnownMembers, message: Message): boolean {
  switch (message.kind) {
    case Kind.MemberJoined: {
      const { playerId } = message.body.member;
      return playerId !== room.selfId && room.memberOf(playerId) === undefined;
    }
    case Kind.MemberLeft:
      return message.body.playerId !== room.selfId && room.memberOf(message.body.playerId) !== undefined;
    case Kind.MemberAway:
    case Kind.MemberBack: {
      const { playerId } = message.body;
      const known = room.memberOf(playerId);
      return (
        playerId !== room.selfId && known !== undefined && known.away !== (message.kind === Kind.MemberAway)
      );
    }
    default:
      return true;
  }
}
