import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind, ProtocolError } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

const notConnected = (error: unknown) =>
  error instanceof ProtocolError && error.code === 'NOT_CONNECTED' && /connect\(\)/.test(error.message);

describe('a request without a session', () => {
  it('before connect() and after close(): NOT_CONNECTED, and nothing is sent', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock);
    };
    const client = server.client(clock);
    await expect(client.quickPlay('arena')).rejects.toSatisfy(notConnected);
    await expect(client.listRooms()).rejects.toSatisfy(notConnected);
    await expect(client.joinByCode('K7Q2XM')).rejects.toSatisfy(notConnected);
    await client.connect();
    client.close();
    await expect(client.create('arena')).rejects.toSatisfy(notConnected);
    expect(server.received.map((message) => message.kind)).toEqual([Kind.Hello]);
  });
});
