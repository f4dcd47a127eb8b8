import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from '../../../src/protocol/index.js';
import { answerTooLarge, readBody } from '../../../src/server/http/read-body.js';

/** A real server whose handler hands each request's readBody outcome to the waiting test. */
let server: http.Server;
let port: number;
let limit = 16;
let onOutcome: (outcome: { body?: Uint8Array; error?: unknown; req: IncomingMessage }) => void = () => {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    readBody(req, limit).then(
      (body) => {
        onOutcome({ body, req });
        res.end('ok');
      },
      (error: unknown) => {
        onOutcome({ error, req });
        if (error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE)
          answerTooLarge(res, limit);
        else if (!res.destroyed) res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function nextOutcome(): Promise<{ body?: Uint8Array; error?: unknown; req: IncomingMessage }> {
  return new Promise((resolve) => {
    onOutcome = resolve;
  });
}

/** Sends a request by hand, so that lengths can lie and bodies can stop halfway. */
function send(head: string[], ...chunks: string[]): net.Socket & { answer: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (data) => {
    text += data.toString('latin1');
  });
  const answer = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\n${head.join('\r\n')}\r\n\r\n`);
  for (const chunk of chunks) socket.write(chunk);
  return Object.assign(socket, { answer });
}

const isTooLarge = (error: unknown) =>
  error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE;

describe('readBody', () => {
  it('returns the whole body when within the limit', async () => {
    limit = 16;
    const outcome = nextOutcome();
    const socket = send(['Content-Length: 16'], 'exactly 16 bytes');
    const { body } = await outcome;
    expect(Buffer.from(body ?? []).toString()).toBe('exactly 16 bytes');
    socket.destroy();
  });

  it('reads chunked bodies and empty ones', async () => {
    limit = 16;
    let outcome = nextOutcome();
    let socket = send(['Transfer-Encoding: chunked'], '3\r\nabc\r\n', '2\r\nde\r\n', '0\r\n\r\n');
    expect(Buffer.from((await outcome).body ?? []).toString()).toBe('abcde');
    socket.destroy();
    outcome = nextOutcome();
    socket = send(['Content-Length: 0']);
    expect((await outcome).body).toHaveLength(0);
    socket.destroy();
  });

  it('refuses a declared length over the limit before reading it', async () => {
    limit = 16;
    const outcome = nextOutcome();
    const socket = send(['Content-Length: 1000000']);
    const { error } = await outcome;
    expect(isTooLarge(error)).toBe(true);
    // answerTooLarge: the client hears why, and the server hangs up rather than read what follows.
    const answer = await socket.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('{"code":"MESSAGE_TOO_LARGE","message":"the body is over 16 bytes"}');
  });

  it('refuses a chunked body as soon as it passes the limit, and stops reading', async () => {
    limit = 16;
    const outcome = nextOutcome();
    const socket = send(['Transfer-Encoding: chunked'], `20\r\n${'x'.repeat(32)}\r\n`);
    const { error } = await outcome;
    expect(isTooLarge(error)).toBe(true);
    // The server answers, then hangs up rather than swallowing whatever else the client sends.
    expect(await socket.answer).toMatch(/^HTTP\/1\.1 413 [\s\S]*connection: close/i);
  });

  it('rejects with the stream error when the client goes away mid-body', async () => {
    limit = 1024;
    const outcome = nextOutcome();
    const socket = send(['Content-Length: 100'], 'only part');
    setTimeout(() => socket.destroy(), 20);
    const { error } = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect(isTooLarge(error)).toBe(false);
  });

  it('refuses a limit that would silently not limit', async () => {
    await expect(readBody({} as IncomingMessage, Number.NaN)).rejects.toThrow(TypeError);
  });
});
