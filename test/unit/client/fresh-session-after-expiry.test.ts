import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { closeCodeFor, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';
import { UnreachableSocket } from './fakes/unreachable-socket.js';

/*
 * A client back from an outage longer than the server's grace period resumes, and the server, up and
 * answering, says the session expired. The fresh session that follows belongs on that server: it had
 * counted the refused resume with the failed attempts of the outage, so it waited out a backoff grown
 * through the outage (up to `maxMs`, 10 s by default, before starting a session a live server would
 * have welcomed at once), and with `fallbackUrls` it failed over to another node, as if this one had
 * not answered.
 */
describe('a fresh session after the server refused a resume as expired', () => {
  it('starts on the server that answered, its attempts counted anew', async () => {
    const clock = { now: () => 0, setTimeout: () => () => {} };
    const primary = new FakeServer();
    const fallback = FakeServer.welcoming(clock, 'cccccccc03');
    let welcomes = 0;
    primary.onMessage = (message) => {
      if (message.kind !== Kind.Hello) return;
      if (message.body.resume === undefined)
        primary.welcome(welcomes++ === 0 ? 'aaaaaaaa01' : 'bbbbbbbb02', clock);
      else
        primary.socket?.close(
          closeCodeFor(ErrorCode.SESSION_EXPIRED),
          'the session ended (grace period over)',
        );
    };
    const PrimarySocket = primary.WebSocket;
    const FallbackSocket = fallback.WebSocket;
    const hosts: string[] = [];
    class WebSocket {
      constructor(url: string) {
        const attempt = hosts.push(new URL(url).host) - 1;
        // biome-ignore lint/correctness/noConstructorReturn: the socket of the entry point asked for
        if (url.includes('fallback')) return new FallbackSocket(url);
        // The outage: after the first session, two attempts find no server; the third reaches it.
        // biome-ignore lint/correctness/noConstructorReturn: the primary, down during the outage
        return attempt === 1 || attempt === 2 ? new UnreachableSocket(url) : new PrimarySocket(url);
      }
    }
    const client = new Client({
      url: 'ws://primary.example/ws',
      fallbackUrls: ['ws://fallback.example/ws'],
      failoverAfterAttempts: 3,
      token: 'token',
      WebSocket: WebSocket as never,
      device: false,
      serverLink: 'off',
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const moves: string[] = [];
    client.on('moved', ({ url }) => moves.push(url));
    const expired = new Promise((resolve) => client.on('session-expired', resolve));
    await client.connect();
    expect(client.playerId).toBe('aaaaaaaa01');

    primary.socket?.close(1006, '');
    await expired;
    const fresh = await new Promise<{ playerId: string }>((resolve) => client.on('open', resolve));

    expect(moves).toEqual([]);
    expect(fresh.playerId).toBe('bbbbbbbb02');
    expect(client.url).toBe('ws://primary.example/ws');
    expect(hosts).toEqual([
      'primary.example', // the first session
      'primary.example', // down
      'primary.example', // down
      'primary.example', // answered: the session expired
      'primary.example', // the fresh session
    ]);
    await client.close();
  });
});
