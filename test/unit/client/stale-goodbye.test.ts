import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

/** Lets every promise already settled run its callbacks. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("a server's goodbye on a connection the client gave up on", () => {
  it('is not taken for the goodbye of a later connection that drops', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let hellos = 0;
    server.onMessage = (message) => {
      if (message.kind !== Kind.Hello) return;
      // The first attempt says goodbye and then stalls (its close never comes): the client abandons it at
      // the connect timeout. The next is welcomed.
      if (++hellos === 1)
        server.send(Kind.Bye, { code: ErrorCode.SERVER_SHUTTING_DOWN, message: 'shutting down' });
      else server.welcome('aaaaaaaa01', clock);
    };
    const client = server.client(clock, {
      deadServerTimeoutMs: 360_000_000,
      connectTimeoutMs: 1_000,
    });
    const closed: string[] = [];
    client.on('closed', ({ code }) => closed.push(code));
    const connecting = client.connect();
    for (let step = 0; step < 20 && client.state !== 'open'; step++) {
      await settle();
      clock.advance(500);
    }
    await connecting;
    expect(hellos).toBe(2);
    // A drop of the welcomed connection, with no goodbye: the client reconnects.
    server.socket?.close(1006, '');
    await settle();
    // It closed for good with the first connection's SERVER_SHUTTING_DOWN.
    expect(closed).toEqual([]);
    expect(client.state).toBe('reconnecting');
    await client.close();
  });
});
