import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const ME = 'aaaaaaaa01';
const BOB = 'bbbbbbbb02';

/**
 * Error codes are appended without a new protocol version, so a newer server names codes this client does
 * not list. The client must still read what names them: a leave it could not read kept a player who had
 * left among its members, and a refusal it could not read left its caller waiting.
 */
describe('codes a newer server names', () => {
  async function seated() {
    const clock = new ManualClock();
    const server = new FakeServer();
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome(ME, clock);
      else if (message.kind === Kind.JoinRoom) {
        const result = joinedRoom('room-1', [ME, BOB], { membership: 1 });
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
      }
    };
    const client = server.client(clock);
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    const room = await client.join('room-1');
    return { server, client, room, errors };
  }

  it('take a member out on a leave naming one, and say the code as it came', async () => {
    const { server, room, errors } = await seated();
    const leaves: unknown[] = [];
    room.on('member-leave', (leave) => leaves.push(leave));
    const reason = 'A_REASON_OF_A_NEWER_SERVER' as Body<typeof Kind.MemberLeft>['reason'];
    server.send(Kind.MemberLeft, { roomId: 'room-1', playerId: BOB, reason });
    expect(room.members.map((member) => member.playerId)).toEqual([ME]);
    expect(leaves).toEqual([{ playerId: BOB, reason: 'A_REASON_OF_A_NEWER_SERVER' }]);
    expect(errors).toEqual([]);
  });

  it("end the player's own seat on a room leave naming one", async () => {
    const { server, room, errors } = await seated();
    const left: unknown[] = [];
    room.on('leave', (leave) => left.push(leave));
    const reason = 'ANOTHER_NEWER_CODE' as Body<typeof Kind.RoomLeft>['reason'];
    server.send(Kind.RoomLeft, { roomId: 'room-1', reason, message: 'gone for a newer reason' });
    expect(left).toEqual([{ reason: 'ANOTHER_NEWER_CODE', message: 'gone for a newer reason' }]);
    expect(errors).toEqual([]);
  });

  it('refuse a request with one, rather than leave it to time out', async () => {
    const { server, room } = await seated();
    const reply = room.request('buy', { item: 'shield' }, { timeoutMs: 60_000 }).catch((error) => error);
    const code = 'A_NEWER_REFUSAL' as Body<typeof Kind.Error>['code'];
    server.send(Kind.RoomReply, { q: 1, ok: false, code, message: 'not today' });
    expect(await reply).toMatchObject({ code: 'A_NEWER_REFUSAL' });
  });
});
