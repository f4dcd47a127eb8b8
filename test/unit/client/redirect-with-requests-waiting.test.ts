import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind, type Message } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

/**
 * A server that holds every join and quick play until the test answers it (`answer`), and welcomes each
 * hello as a fresh session: the node a redirect moves the client to is the same fake.
 */
async function heldRequests() {
  const clock = new ManualClock();
  const server = new FakeServer();
  let welcomes = 0;
  const waiting = new Map<string, number>();
  server.onMessage = (message: Message) => {
    if (message.kind === Kind.Hello) server.welcome(`aaaaaaaa0${++welcomes}`, clock);
    else if (message.kind === Kind.JoinRoom) waiting.set(`join ${message.body.roomId}`, message.body.rid);
    else if (message.kind === Kind.QuickPlay) waiting.set(`quickPlay ${message.body.type}`, message.body.rid);
  };
  const client = server.client(clock);
  await client.connect();
  const answer = (request: string, body: Record<string, unknown>) =>
    server.send(Kind.Response, { rid: waiting.get(request), ...body } as Body<typeof Kind.Response>);
  return { client, answer };
}

describe('a quick play on its way when a join before it is redirected to another node', () => {
  it('fails saying the client moved, not that the node named no WebSocket URL', async () => {
    const { client, answer } = await heldRequests();
    const joining = client.join('room-x');
    const playing = client.quickPlay('arena').catch((error: unknown) => error);
    await Promise.resolve();
    answer('join room-x', { ok: false, code: ErrorCode.ROOM_ON_OTHER_NODE, message: 'ws://other/ws' });
    // The move closed the socket the quick play's answer would have come on: it was never answered.
    const failed = await playing;
    expect(failed).toMatchObject({ code: ErrorCode.ROOM_ON_OTHER_NODE });
    expect((failed as Error).message).not.toMatch(/PUBLIC_URL/);
    expect((failed as Error).message).toBe('joined a room elsewhere');
    // The join followed the room to the other node and is asked again there.
    await new Promise((resolve) => setTimeout(resolve, 0));
    answer('join room-x', { ok: true, result: joinedRoom('room-x', ['aaaaaaaa02'], { membership: 1 }) });
    expect((await joining).roomId).toBe('room-x');
    expect(client.url).toBe('ws://other/ws');
  });
});
