import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type ClientOptions } from 'vehikill-net/client';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
let stub: http.Server | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await t?.close();
  t = undefined;
  await new Promise((resolve) => (stub ? stub.close(resolve) : resolve(undefined)));
  stub = undefined;
});

const ws = WebSocket as unknown as ClientOptions['WebSocket'];

function guestClient(url: string, name?: string): Client {
  const client = new Client({
    url,
    WebSocket: ws,
    backoff: { baseMs: 10, maxMs: 20 },
    device: false,
    ...(name === undefined ? {} : { name }),
  });
  clients.push(client);
  return client;
}

async function askForToken(httpUrl: string, body: string): Promise<{ status: number; message: string }> {
  const response = await fetch(`${httpUrl}/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, message: ((await response.json()) as { message: string }).message };
}

/**
 * An HTTP server answering POST /auth/guest with `statuses` in turn (the last one for good): each as the
 * game server would (JSON naming an error code), or, for a status in `fromAProxy`, as a proxy in front of
 * it would (an HTML page).
 */
async function guestEndpointAnswering(
  statuses: number[],
  fromAProxy: number[] = [],
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  stub = http.createServer((req, res) => {
    const status = statuses[Math.min(requests++, statuses.length - 1)] ?? 500;
    req.resume();
    if (fromAProxy.includes(status)) {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end('<html><body>Checking your browser</body></html>');
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: ErrorCode.INVALID_MESSAGE, message: `answer ${requests}` }));
  });
  await new Promise<void>((resolve) => stub?.listen(0, '127.0.0.1', resolve));
  const { port } = stub.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/ws`, requests: () => requests };
}

describe('display names', () => {
  it('a name the server would refuse is a TypeError at construction, saying the rule', () => {
    expect(() => guestClient('ws://127.0.0.1:1/ws', 'x'.repeat(65))).toThrow(
      new TypeError("Client option 'name' must be a string of at most 64 characters, got 65"),
    );
    expect(() => guestClient('ws://127.0.0.1:1/ws', 42 as unknown as string)).toThrow(TypeError);
    expect(() => guestClient('ws://127.0.0.1:1/ws', 'x'.repeat(64))).not.toThrow();
  });

  it('the guest endpoint says what is wrong with a request', async () => {
    t = await startServer({ test: TestRoom });
    expect(await askForToken(t.httpUrl, JSON.stringify({ name: 'x'.repeat(65) }))).toEqual({
      status: 400,
      message: '"name" must be a string of at most 64 characters, got 65',
    });
    expect(await askForToken(t.httpUrl, JSON.stringify({ name: 7 }))).toEqual({
      status: 400,
      message: '"name" must be a string of at most 64 characters, got number',
    });
    expect(await askForToken(t.httpUrl, '{"name": "Ada"')).toEqual({
      status: 400,
      message: 'the body is not JSON: expected {"name"?: string, "renew"?: string}',
    });
    expect(await askForToken(t.httpUrl, JSON.stringify({ name: 'x'.repeat(3_000) }))).toEqual({
      status: 413,
      message: 'the body is over 2,048 bytes',
    });
    expect(await askForToken(t.httpUrl, '[1]')).toEqual({
      status: 400,
      message: 'expected a JSON object {"name"?: string, "renew"?: string}',
    });
  });

  it('names are normalized as documented, and the client learns the name it got', async () => {
    t = await startServer({ test: TestRoom });
    const client = guestClient(t.wsUrl, 'Ada 🚗 <b>');
    await client.connect();
    expect(client.name).toBe('Ada b');
    const long = guestClient(t.wsUrl, `${'y'.repeat(30)}`);
    await long.connect();
    expect(long.name).toBe('y'.repeat(24));
  });

  it('a guest endpoint refusal no retry can change ends connect(), with what the server said', async () => {
    t = await startServer(
      { test: TestRoom },
      {
        authenticator: {
          async authenticate() {
            return { ok: false, code: ErrorCode.UNAUTHORIZED, message: 'no' };
          },
        },
      },
    );
    const client = guestClient(t.wsUrl);
    const error = await client.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.UNAUTHORIZED);
    expect((error as ProtocolError).message).toMatch(/guest token.*HTTP 404.*issues no guest tokens/);
    expect(client.state).toBe('closed');
  });

  it('a 4xx that names none of our codes (a proxy page, a load balancer mid-deploy) is retried', async () => {
    const endpoint = await guestEndpointAnswering([403, 404, 400], [403, 404]);
    const client = guestClient(endpoint.url);
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.message));
    const error = await client.connect().catch((caught: unknown) => caught);
    // The proxy's answers were asked past; the game server's own refusal ended it.
    expect(endpoint.requests()).toBe(3);
    expect(errors.slice(0, 2)).toEqual([
      expect.stringMatching(/HTTP 403/),
      expect.stringMatching(/HTTP 404/),
    ]);
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
  });

  it('a failing server is NODE_UNREACHABLE on `error`, not UNAUTHORIZED; a 401 or 403 is UNAUTHORIZED; a 429 RATE_LIMITED', async () => {
    // Apps show `error` to the player: a server that is down must not read as "you are not allowed in".
    const endpoint = await guestEndpointAnswering([503, 500, 401, 403, 404, 429, 400], [500, 401, 403, 404]);
    const client = guestClient(endpoint.url);
    const codes: string[] = [];
    client.on('error', (error) => codes.push(error.code));
    await client.connect().catch(() => {});
    expect(codes).toEqual([
      ErrorCode.NODE_UNREACHABLE,
      ErrorCode.NODE_UNREACHABLE,
      ErrorCode.UNAUTHORIZED,
      ErrorCode.UNAUTHORIZED,
      ErrorCode.NODE_UNREACHABLE,
      ErrorCode.RATE_LIMITED,
    ]);
  });

  it('a guest endpoint that cannot be reached at all is NODE_UNREACHABLE, and retried', async () => {
    const endpoint = await guestEndpointAnswering([200]);
    await new Promise((resolve) => stub?.close(resolve)); // nothing listens on that port any more
    stub = undefined;
    const client = guestClient(endpoint.url);
    const errors: ProtocolError[] = [];
    client.on('error', (error) => errors.push(error));
    void client.connect().catch(() => {});
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]?.code).toBe(ErrorCode.NODE_UNREACHABLE);
    expect(errors[0]?.message).toMatch(/could not get a token.*fetch failed/);
  });

  it('busy and failing answers (429, 5xx) are retried with backoff; a 400 after them is final', async () => {
    const endpoint = await guestEndpointAnswering([503, 429, 500, 400]);
    const client = guestClient(endpoint.url);
    const error = await client.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    expect((error as ProtocolError).message).toBe('the server refused a guest token (HTTP 400): answer 4');
    expect(endpoint.requests()).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(endpoint.requests()).toBe(4);
  });
});
