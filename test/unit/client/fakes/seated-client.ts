import type { ClientOptions } from '../../../../src/client/client-options.js';
import { ManualClock } from '../../../../src/common/index.js';
import { type Body, Kind } from '../../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fake-server.js';

/**
 * A client (player `self`) seated in room-1 with `peer`, on a server the test plays: it welcomes the first
 * hello and answers joins at once; the hellos of resumes go to `onResumeHello` (answered by hand).
 * Reconnects come without backoff, when the test advances the clock.
 */
export async function seatedClient(self: string, peer: string, options: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const server = new FakeServer();
  let hellos = 0;
  const seated = { onResumeHello: () => {} };
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello && ++hellos === 1) server.welcome(self, clock);
    else if (message.kind === Kind.Hello) seated.onResumeHello();
    else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom('room-1', [self, peer], { membership: 1 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock, { backoff: { baseMs: 0, maxMs: 0 }, ...options });
  await client.connect();
  const room = await client.join('room-1');
  /** The connection drops: the client is reconnecting. */
  const drop = async () => {
    server.socket?.close(1006, '');
    await Promise.resolve();
  };
  /** Lets the reconnect attempt open a new socket, whose hello goes to `onResumeHello`. */
  const reconnect = async () => {
    clock.advance(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return Object.assign(seated, { client, server, clock, room, drop, reconnect });
}
