import { describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../../src/client/room-connection.js';
import {
  type Body,
  type BodyKind,
  ErrorCode,
  Kind,
  type ProtocolError,
} from '../../../src/protocol/index.js';
import { joiningClient } from './fakes/joining-client.js';

const SELF = 'aaaaaaaa01';
const OTHER = 'bbbbbbbb02';
const GHOST = 'cccccccc03';
const LATE = 'dddddddd04';

/** Every member event the room fires, in order, as `kind playerId`. */
function memberEvents(room: RoomConnection): string[] {
  const events: string[] = [];
  room.on('member-join', ({ playerId }) => events.push(`join ${playerId}`));
  room.on('member-leave', ({ playerId }) => events.push(`leave ${playerId}`));
  room.on('member-away', ({ playerId }) => events.push(`away ${playerId}`));
  room.on('member-back', ({ playerId }) => events.push(`back ${playerId}`));
  return events;
}

/** A client seated in room-1 with OTHER, hearing member news the test sends as the server. */
async function seated() {
  const { client, server, join } = await joiningClient(SELF, OTHER);
  const room = await join('room-1', 1).joined;
  const errors: ProtocolError[] = [];
  client.on('error', (error) => errors.push(error));
  const news = <K extends BodyKind>(kind: K, body: Omit<Body<K>, 'roomId'>) =>
    server.send(kind, { roomId: 'room-1', ...body } as Body<K>);
  const joined = (playerId: string, seating?: number) => ({
    member: { playerId, name: playerId.slice(0, 1), away: false, ...(seating ? { seating } : {}) },
  });
  return { client, room, errors, news, joined, events: memberEvents(room) };
}

describe("member news that does not fit the members the client knows (a broken or hostile server's)", () => {
  it('is dropped: no ghost in the list, no one taken out of it, no event', async () => {
    const { room, errors, news, joined, events } = await seated();
    const mesh = room.mesh({ rtc: false });
    news(Kind.MemberLeft, { playerId: GHOST, reason: 'left' }); // never joined
    news(Kind.MemberAway, { playerId: GHOST });
    news(Kind.MemberBack, { playerId: GHOST });
    news(Kind.MemberJoined, joined(OTHER)); // a second join
    news(Kind.MemberBack, { playerId: OTHER }); // back, never away
    news(Kind.MemberJoined, joined(SELF)); // news of ourselves
    news(Kind.MemberAway, { playerId: SELF });
    news(Kind.MemberLeft, { playerId: SELF, reason: ErrorCode.KICKED });
    expect(events).toEqual([]);
    expect(errors).toEqual([]);
    expect(room.members.map((m) => [m.playerId, m.away])).toEqual([
      [SELF, false],
      [OTHER, false],
    ]);
    expect(room.left).toBe(false);
    expect(mesh.peers().map((link) => link.peerId)).toEqual([OTHER]);
  });

  it('news that fits is applied as before, in order', async () => {
    const { room, news, joined, events } = await seated();
    news(Kind.MemberJoined, joined(LATE));
    news(Kind.MemberAway, { playerId: LATE });
    news(Kind.MemberAway, { playerId: LATE }); // away already: nothing new
    news(Kind.MemberBack, { playerId: LATE });
    news(Kind.MemberLeft, { playerId: OTHER, reason: 'left' });
    news(Kind.MemberLeft, { playerId: OTHER, reason: 'left' }); // gone already
    expect(events).toEqual([`join ${LATE}`, `away ${LATE}`, `back ${LATE}`, `leave ${OTHER}`]);
    expect(room.members.map((m) => m.playerId)).toEqual([SELF, LATE]);
  });

  it('a join of a known member in a new seating (its leave lost in an overflow) waits for the resync', async () => {
    const { room, news, joined, events } = await seated();
    news(Kind.MemberJoined, joined(LATE, 3));
    news(Kind.MemberJoined, joined(LATE, 7));
    expect(events).toEqual([`join ${LATE}`]);
    expect(room.members.map((m) => m.seating)).toEqual([undefined, undefined, 3]);
    // The resync that follows such a loss tells the new seating as a leave and a join.
    news(Kind.RoomState, {
      state: {},
      members: [
        { playerId: SELF, name: 'a', away: false },
        { playerId: OTHER, name: 'b', away: false },
        { playerId: LATE, name: 'd', away: false, seating: 7 },
      ],
    });
    expect(events).toEqual([`join ${LATE}`, `leave ${LATE}`, `join ${LATE}`]);
    expect(room.members.map((m) => m.seating)).toEqual([undefined, undefined, 7]);
  });
});
