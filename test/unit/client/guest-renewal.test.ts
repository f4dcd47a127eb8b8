import { Client } from 'vehikill-net/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { closeCodeFor, ErrorCode } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Lets every promise already settled run its callbacks. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('an expired guest token', () => {
  it('is renewed for the same guest even when the first renewal fails on the way', async () => {
    const clock = new ManualClock();
    const server = FakeServer.welcoming(clock);
    // The guest endpoint is briefly unreachable (a proxy's 502 while the server restarts) as the renewal
    // is asked for: the second and third requests fail.
    const bodies: unknown[] = [];
    vi.stubGlobal('fetch', (_url: string, init: { body: string }) => {
      bodies.push(JSON.parse(init.body));
      if (bodies.length === 2 || bodies.length === 3)
        return Promise.resolve(new Response('', { status: 502 }));
      return Promise.resolve(
        new Response(JSON.stringify({ token: `guest-${bodies.length}` }), { status: 200 }),
      );
    });
    const client = new Client({
      url: 'ws://fake/ws',
      WebSocket: server.WebSocket,
      clock,
      device: false,
      serverLink: 'off',
      backoff: { baseMs: 0, maxMs: 0 },
    });
    client.on('error', () => {});
    await client.connect();
    server.socket?.close(closeCodeFor(ErrorCode.TOKEN_EXPIRED), 'token expired');
    for (let step = 0; step < 10 && client.state !== 'open'; step++) {
      await settle();
      clock.advance(1);
    }
    expect(client.state).toBe('open');
    // A failed renewal was followed by a request for a new guest, then by nothing but new guests: the
    // session, bound to the old guest, could no longer be resumed.
    expect(bodies).toEqual([{}, { renew: 'guest-1' }, { renew: 'guest-1' }, { renew: 'guest-1' }]);
    await client.close();
  });
});
