import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, ErrorCode, Kind, type Message } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

/**
 * A client seated in a room of a server whose rate (10 frames at once, then 1 a second) holds back most
 * of 30 messages sent at once: `close()` then has something to write first, for up to its `flushMs`.
 */
async function closingWithMessagesHeldBack() {
  const clock = new ManualClock();
  const server = new FakeServer();
  let welcomes = 0;
  server.onMessage = (message: Message) => {
    if (message.kind === Kind.Hello) {
      server.welcome(`aaaaaaaa0${++welcomes}`, clock, { rate: { burst: 10, perSecond: 1 } });
    } else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom(message.body.roomId, [`aaaaaaaa0${welcomes}`], { membership: 1 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock);
  await client.connect();
  const room = await client.join('room-1');
  for (let i = 0; i < 30; i++) room.send('chat', i);
  const closing = client.close({ flushMs: 3_000 });
  return { client, clock, closing };
}

const turns = async (n = 10) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('connect() while close() is still writing what it held back', () => {
  it('connects anew once that close is done, rather than resolve at once and then be closed', async () => {
    const { client, clock, closing } = await closingWithMessagesHeldBack();
    let connected = false;
    const connecting = client.connect().then(() => {
      connected = true;
    });
    await turns();
    // Resolved here, it was the closing session's: the client was closed a moment later.
    expect(connected).toBe(false);
    clock.advance(3_000);
    expect(await closing).toBeGreaterThan(0);
    await connecting;
    expect(client.state).toBe('open');
    expect(client.playerId).toBe('aaaaaaaa02');
  });

  it('rejects NOT_CONNECTED when close() is called again before that close is done', async () => {
    const { client, clock } = await closingWithMessagesHeldBack();
    const connecting = client.connect().catch((error: unknown) => error);
    await turns();
    const closingAgain = client.close();
    clock.advance(3_000);
    await closingAgain;
    expect(await connecting).toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    expect(client.state).toBe('closed');
  });
});
