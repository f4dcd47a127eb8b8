import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

describe("a request made from a watch's 'end' handler as the client closes", () => {
  it('rejects (NOT_CONNECTED) rather than wait for ever', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock);
      else if (message.kind === Kind.WatchRooms)
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result: { rooms: [] } });
    };
    const client = server.client(clock);
    await client.connect();
    const watch = await client.watchRooms({ type: 'arena' });
    let asked: Promise<unknown> | undefined;
    // A lobby that shows the listing once more when its live list ends.
    watch.on('end', () => {
      asked = client.listRooms({ type: 'arena' }).then(
        () => 'answered',
        (error: unknown) => error,
      );
    });
    await client.close();
    expect(asked).toBeDefined();
    const outcome = await Promise.race([
      asked,
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 200)),
    ]);
    // It was sent into the session being closed, after its requests had been failed: never answered.
    expect(outcome).toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
