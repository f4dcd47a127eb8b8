import type { ClientOptions } from '../../../../src/client/client-options.js';
import { ManualClock } from '../../../../src/common/index.js';
import { Kind } from '../../../../src/protocol/index.js';
import { FakeServer } from './fake-server.js';

/** A server offer of direct link attempt `n`, as LinkSignalFromServer carries it. */
export const linkOffer = (n: number) => ({ n, s: { description: { type: 'offer', sdp: 'v=0' } } }) as const;

/**
 * A client connected to a server the test plays, which welcomes it offering a direct server link; the
 * client's `serverLink` settings are `serverLink` (its RTCPeerConnection a fake one, usually).
 */
export async function linkOfferedClient(serverLink: ClientOptions['serverLink']) {
  const clock = new ManualClock();
  const server = new FakeServer();
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock, { serverLink: true });
  };
  const client = server.client(clock, { serverLink });
  await client.connect();
  return { client, server, clock };
}
