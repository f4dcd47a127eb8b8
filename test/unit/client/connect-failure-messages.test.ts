import { Client } from 'vehikill-net/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnreachableSocket } from './fakes/unreachable-socket.js';

/*
 * What a page's developer reads when connect() gets nowhere. A browser says nothing useful of either
 * failure ("Failed to fetch"; a WebSocket error event with no message and close code 1006), so the
 * client's messages have to name what to check: the address it asked, the usual causes, and, when it
 * gives up, the failure that made it.
 */

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A client made to fail fast: no backoff, no device or server link. */
function failingClient(options: { token?: string; maxReconnectAttempts?: number }): Client {
  return new Client({
    url: 'ws://game.example:8080/ws',
    WebSocket: UnreachableSocket as never,
    device: false,
    serverLink: 'off',
    backoff: { baseMs: 0, maxMs: 0 },
    ...options,
  });
}

describe('connect() failures, as a browser reports them', () => {
  it('names the guest endpoint it could not reach', async () => {
    // What fetch rejects with in Chromium for a server that is not up (or a wrong host or port).
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const client = failingClient({ maxReconnectAttempts: 0 });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    await client.connect().catch(() => undefined);
    expect(errors[0]).toBe(
      'NODE_UNREACHABLE: could not get a token: guest token request to http://game.example:8080/auth/guest ' +
        'got no answer (TypeError: Failed to fetch): is the server running there?',
    );
  });

  it("says what to check when the browser's WebSocket closes before it opens", async () => {
    const client = failingClient({ token: 'token', maxReconnectAttempts: 0 });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.message));
    await client.connect().catch(() => undefined);
    expect(errors[0]).toBe(
      'could not open a WebSocket to ws://game.example:8080/ws: closed (1006) before it opened (the ' +
        "browser does not say why: no server answers there, its path is not the server's WebSocket path " +
        "('/ws' unless the server's `path` option says otherwise), or the server refused this page's " +
        'origin (its `allowedOrigins`))',
    );
  });

  it('gives up with the last failure in its message, counting the attempts it made', async () => {
    const client = failingClient({ token: 'token', maxReconnectAttempts: 2 });
    const closed = new Promise<{ code: string; message: string }>((resolve) => client.on('closed', resolve));
    const connecting = client.connect().then(
      () => 'open',
      (error: unknown) => error,
    );
    const message =
      'no connection after 2 reconnect attempts (maxReconnectAttempts 2); the last: could not open a ' +
      'WebSocket to ws://game.example:8080/ws: closed (1006) before it opened';
    expect((await closed).message).toMatch(new RegExp(`^${message.replace(/[()]/g, '\\$&')}`));
    expect(await connecting).toMatchObject({
      code: 'NODE_UNREACHABLE',
      message: expect.stringMatching(/the last: could not open/),
    });
  });
});
