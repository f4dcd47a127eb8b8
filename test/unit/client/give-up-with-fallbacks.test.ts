import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { UnreachableSocket, unreachableHosts } from './fakes/unreachable-socket.js';

describe('maxReconnectAttempts with fallback entry points', () => {
  it('gives up after that many failed attempts in a row, failovers included', async () => {
    unreachableHosts.length = 0;
    const client = new Client({
      url: 'ws://a.example/ws',
      fallbackUrls: ['ws://b.example/ws'],
      failoverAfterAttempts: 2,
      maxReconnectAttempts: 5,
      token: 'token',
      WebSocket: UnreachableSocket as never,
      device: false,
      serverLink: 'off',
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const moves: string[] = [];
    client.on('moved', ({ url }) => moves.push(url));
    const closed = new Promise<{ code: string; message: string }>((resolve) => client.on('closed', resolve));
    const connecting = client.connect().then(
      () => 'open',
      (error: unknown) => error,
    );
    // It moved between the two entry points for ever, never giving up: connect() never settled.
    const outcome = await Promise.race([
      closed,
      new Promise<string>((resolve) => setTimeout(() => resolve('still trying after 2 s'), 2_000)),
    ]);
    if (client.state !== 'closed') void client.close();
    expect(outcome).toMatchObject({
      code: 'GAVE_UP',
      message: expect.stringMatching(
        /^no connection after 5 reconnect attempts \(maxReconnectAttempts 5\); the last: /,
      ),
    });
    expect(await connecting).toMatchObject({ code: 'NODE_UNREACHABLE' });
    // The first attempt and five more, the failover's among them: two more at one entry point, then the next.
    expect(unreachableHosts).toEqual([
      'a.example',
      'a.example',
      'a.example',
      'b.example',
      'b.example',
      'b.example',
    ]);
    expect(moves).toEqual(['ws://b.example/ws']);
  });
});
