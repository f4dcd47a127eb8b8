import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import {
  type Body,
  ErrorCode,
  Feature,
  Kind,
  OUR_FEATURES,
  ProtocolError,
} from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

/**
 * Whether a server answers room requests, told by its welcome's `features`: a client asks a server that
 * lists its features without `requests` nothing (its request would only time out), and goes on asking one
 * that sends no list, as every server did before the list (those with requests answer them).
 */
async function seatedWith(welcome: Partial<Body<typeof Kind.Welcome>>) {
  const clock = new ManualClock();
  const server = new FakeServer();
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock, welcome);
    else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom('room-1', ['aaaaaaaa01'], { membership: 1 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock);
  await client.connect();
  const room = await client.join('room-1');
  return { clock, server, client, room };
}

const requestsSent = (server: FakeServer) =>
  server.receivedOf(Kind.ClientRoomMessage).filter((body) => body.q !== undefined);

describe("a room request, by the server's features", () => {
  it("says in the client's hello that it answers the room's requests", async () => {
    const { server } = await seatedWith({});
    expect(server.receivedOf(Kind.Hello)[0]?.features).toEqual([...OUR_FEATURES]);
    expect(OUR_FEATURES).toContain(Feature.requests);
  });

  it('is refused REQUESTS_UNSUPPORTED at once, with nothing sent, by a server that lists features without it', async () => {
    const { server, room, client } = await seatedWith({ features: ['something-newer'] });
    const error = await room.request('buy', { item: 'shield' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.REQUESTS_UNSUPPORTED);
    expect(requestsSent(server)).toEqual([]);
    expect(client.stats().requests.waiting).toBe(0);
  });

  it('is sent to a server that lists it, and to one that sends no list (an older server): it may answer', async () => {
    for (const welcome of [{ features: [Feature.requests, 'something-newer'] }, {}]) {
      const { server, room, clock } = await seatedWith(welcome);
      const reply = room.request('buy', { item: 'shield' }, { timeoutMs: 1_000 });
      const [sent] = requestsSent(server);
      expect(sent).toMatchObject({ t: 'buy', q: 1, w: 1_000 });
      server.send(Kind.RoomReply, { q: 1, ok: true, d: 'bought' });
      expect(await reply).toBe('bought');
      // One that never answers (a server before requests took it for a message): the timeout ends it.
      const unanswered = room.request('buy', { item: 'rocket' }, { timeoutMs: 1_000 }).catch((e) => e);
      clock.advance(1_000);
      expect(((await unanswered) as ProtocolError).code).toBe(ErrorCode.REQUEST_TIMEOUT);
    }
  });
});
