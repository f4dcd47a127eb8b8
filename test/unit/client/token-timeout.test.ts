import { Client } from 'vehikill-net/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { FakeServer } from './fakes/fake-server.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Lets every promise already settled run its callbacks. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('connectTimeoutMs', () => {
  it('gives up on a guest token request that is never answered, and tries again', async () => {
    const clock = new ManualClock();
    const server = FakeServer.welcoming(clock);
    // The first request is accepted and never answered (a stalled server, a network switched under it).
    const requests: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      requests.push(String(url));
      if (requests.length === 1) return new Promise<Response>(() => {});
      return Promise.resolve(new Response(JSON.stringify({ token: 'guest' }), { status: 200 }));
    });
    const client = new Client({
      url: 'ws://fake/ws',
      WebSocket: server.WebSocket,
      clock,
      device: false,
      serverLink: 'off',
      connectTimeoutMs: 5_000,
      backoff: { baseMs: 0, maxMs: 0 },
      random: () => 0,
    });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    let opened = false;
    void client.connect().then(() => (opened = true));
    await settle();
    expect(requests).toHaveLength(1);
    clock.advance(5_000);
    await settle();
    clock.advance(1); // the backoff (none here)
    await settle();
    // It waited for that answer for ever: no second request, 'connecting' with no end.
    expect(requests).toHaveLength(2);
    expect(opened).toBe(true);
    expect(errors).toEqual([
      'NODE_UNREACHABLE: could not get a token: guest token request: no answer within 5,000 ms',
    ]);
    await client.close();
  });
});
