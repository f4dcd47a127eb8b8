import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

/** Lets every promise already settled run its callbacks. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the 'reconnect' event of a client connected again after close()", () => {
  it('does not count the time from a drop before the close as downtime', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let hellos = 0;
    server.onMessage = (message) => {
      if (message.kind !== Kind.Hello) return;
      // The second connect's first attempt fails (the server is not up yet); every other is welcomed.
      if (++hellos === 2) queueMicrotask(() => server.socket?.close(1006, ''));
      else server.welcome(`aaaaaaaa0${hellos}`, clock);
    };
    const client = server.client(clock);
    await client.connect();
    server.socket?.close(1006, ''); // dropped: reconnecting
    await client.close();
    clock.advance(3_600_000); // an hour later, the player plays again
    const reconnects: number[] = [];
    client.on('reconnect', ({ downtimeMs }) => reconnects.push(downtimeMs));
    const connecting = client.connect();
    for (let step = 0; step < 20 && client.state !== 'open'; step++) {
      await settle();
      clock.advance(1_000);
    }
    await connecting;
    expect(hellos).toBe(3);
    // It said the connection had been down for the hour the client was closed.
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]).toBeLessThan(60_000);
    await client.close();
  });
});
