import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

describe('Client.graceMs', () => {
  it('is undefined before the first welcome, then what the newest welcome said', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let graceMs = 12_000;
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock, { graceMs });
    };
    const client = server.client(clock);
    expect(client.graceMs).toBeUndefined();
    await client.connect();
    expect(client.graceMs).toBe(12_000);
    client.close();
    // A closed client keeps what it was told; a fresh session (connect() again) takes the new figure.
    expect(client.graceMs).toBe(12_000);
    graceMs = 0;
    await client.connect();
    expect(client.graceMs).toBe(0);
    client.close();
  });
});
