import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

/** A server that answers every quick play with ROOM_ON_OTHER_NODE naming `url`. */
function redirecting(url: string) {
  const clock = new ManualClock();
  const server = new FakeServer();
  let welcomes = 0;
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) server.welcome(`aaaaaaaa0${++welcomes}`, clock);
    else if (message.kind === Kind.QuickPlay) {
      server.send(Kind.Response, {
        rid: message.body.rid,
        ok: false,
        code: 'ROOM_ON_OTHER_NODE',
        message: url,
      });
    }
  };
  return { client: server.client(clock), server };
}

describe('a redirect the client does not follow', () => {
  it('to a URL that is not a WebSocket URL: says the node’s PUBLIC_URL is wrong', async () => {
    const { client, server } = redirecting('notaurl');
    await client.connect();
    await expect(client.quickPlay('arena')).rejects.toMatchObject({
      code: 'ROOM_ON_OTHER_NODE',
      message: expect.stringMatching(/public URL is not a WebSocket URL \('notaurl'\).*PUBLIC_URL is wrong/),
    });
    expect(server.receivedOf(Kind.QuickPlay)).toHaveLength(1);
  });

  it('past two moves: says the listing is changing, naming the last URL', async () => {
    const { client, server } = redirecting('ws://fake/ws');
    await client.connect();
    await expect(client.quickPlay('arena')).rejects.toMatchObject({
      code: 'ROOM_ON_OTHER_NODE',
      message: expect.stringMatching(/^sent on again after 2 moves \(last to ws:\/\/fake\/ws\)/),
    });
    expect(server.receivedOf(Kind.QuickPlay)).toHaveLength(3);
  });
});

describe('a redirect read as the client closes', () => {
  it('rejects the join (NOT_CONNECTED) rather than leave it waiting for a move that never comes', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let quickPlay: number | undefined;
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock);
      else if (message.kind === Kind.QuickPlay) quickPlay = message.body.rid;
    };
    const client = server.client(clock);
    await client.connect();
    const joining = client.quickPlay('arena').then(
      () => 'joined',
      (error: unknown) => error,
    );
    await Promise.resolve();
    // The answer and the close in one task (ws in Node reads a chunk's frames in one go): the join goes
    // on to follow the redirect only after the client has closed.
    server.send(Kind.Response, {
      rid: quickPlay as number,
      ok: false,
      code: 'ROOM_ON_OTHER_NODE',
      message: 'ws://other/ws',
    });
    void client.close({ flushMs: 0 });
    const outcome = await Promise.race([
      joining,
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 500)),
    ]);
    expect(outcome).toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
