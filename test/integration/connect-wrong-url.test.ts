import type { ProtocolError } from 'vehikill-net/client';
import { Room } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/*
 * A client pointed at a path the server serves no WebSocket at (a URL without its `/ws`, say) is answered
 * HTTP 404 at every upgrade. `connect()` retries for ever by default, and nothing told the app why: no
 * event fired while it waited. Each attempt that cannot open a socket now fires `error`, with the URL and
 * what the WebSocket said.
 */

class Lobby extends Room {}

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ lobby: Lobby });
});

afterAll(async () => {
  await server.close();
});

describe('connect() to a URL with no WebSocket endpoint', () => {
  it('tells the app at each attempt what the server answered', async () => {
    const url = server.wsUrl.replace(/\/ws$/, '/game');
    const client = server.client({ url });
    const errors: ProtocolError[] = [];
    client.on('error', (error) => errors.push(error));
    const connecting = client.connect().catch((error: unknown) => error);
    await eventually(() => errors.length >= 2, 'an error at each failed attempt');
    void client.close();
    expect(await connecting).toMatchObject({ code: 'NOT_CONNECTED' });
    for (const error of errors.slice(0, 2)) {
      expect(error.code).toBe('NODE_UNREACHABLE');
      // Node's ws says what the upgrade got; the token the URL carries is not repeated.
      expect(error.message).toBe(`could not open a WebSocket to ${url}: Unexpected server response: 404`);
    }
  });

  it('fires no such error for a socket that opens', async () => {
    const client = server.client();
    const errors: ProtocolError[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    await client.quickPlay('lobby');
    expect(errors).toEqual([]);
    await client.close();
  });
});
