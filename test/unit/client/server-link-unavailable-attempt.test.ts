import { describe, expect, it } from 'vitest';
import { ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { linkOffer, linkOfferedClient } from './fakes/link-offering-server.js';

/**
 * The server sends its candidates only once it has taken the client's answer: an attempt it gave up on
 * before then (no answer in time, an answer refused, its `maxFailedAttempts` reached) never hears them. Its
 * notice that no direct link comes for now ends the client's attempt, or a browser's connection would wait,
 * `connecting`, for candidates that never come, until the next offer; after the last one, for good.
 */
async function clientWithAttempt() {
  FakePeerConnection.reset();
  const { client, server } = await linkOfferedClient({
    mode: 'prefer',
    RTCPeerConnection: FakePeerConnection.ctor,
  });
  server.send(Kind.LinkSignalFromServer, linkOffer(1));
  await settle();
  expect(FakePeerConnection.made).toHaveLength(1);
  return { client, server, attempt: FakePeerConnection.made[0] as FakePeerConnection };
}

describe("the server's notice that no direct link comes for now", () => {
  it("closes the client's attempt still connecting; the session and TCP mode go on, and a later offer is taken", async () => {
    const { client, server, attempt } = await clientWithAttempt();
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    server.send(Kind.Error, { code: ErrorCode.SERVER_LINK_UNAVAILABLE, message: 'gave up' });
    expect(attempt.closed).toBe(true);
    expect(errors).toEqual(['SERVER_LINK_UNAVAILABLE']);
    expect(client.state).toBe('open');
    expect(client.serverLink.path).toBe('tcp');
    server.send(Kind.LinkSignalFromServer, linkOffer(2));
    await settle();
    expect(FakePeerConnection.made).toHaveLength(2);
    expect(FakePeerConnection.made[1]?.closed).toBe(false);
    await client.close();
  });

  it('leaves a direct link that is up alone', async () => {
    const { client, server, attempt } = await clientWithAttempt();
    client.on('error', () => {});
    attempt.connect();
    await settle();
    expect(client.serverLink.path).toBe('direct');
    server.send(Kind.Error, { code: ErrorCode.SERVER_LINK_UNAVAILABLE, message: 'another attempt failed' });
    expect(attempt.closed).toBe(false);
    expect(client.serverLink.path).toBe('direct');
    await client.close();
  });
});
