import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exchangeRaw, rawAnswers } from '../support/raw-http.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom });
});
afterAll(() => t.close());
afterEach(() => {
  vi.restoreAllMocks();
});

/** Writes `request` on a raw socket and reads until the server ends or closes it (or `ms` pass). */
function exchange(request: string | Buffer, ms = 3_000): Promise<{ text: string; closed: boolean }> {
  return exchangeRaw(t.port, request, ms);
}

/** Status lines and JSON bodies of every response in `text` (keep-alive: several on one socket). */
function responses(text: string): Array<{ status: number; body: unknown }> {
  return rawAnswers(text).map(({ status, body }) => ({
    status,
    body: body === '' ? undefined : JSON.parse(body),
  }));
}

describe('HTTP requests the server cannot read', () => {
  it('an absolute-form target that is no URL gets a 400 in the JSON error shape, and nothing is logged', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const request = 'GET http://[::1/x HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text } = await exchange(request.repeat(50), 1_000);
    const answers = responses(text);
    expect(answers).toHaveLength(50);
    for (const answer of answers) {
      expect(answer).toEqual({
        status: 400,
        body: { code: 'INVALID_MESSAGE', message: 'malformed request target' },
      });
    }
    expect(logged).not.toHaveBeenCalled();
    // The connection is still good for the next request.
    const health = await fetch(`${t.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  describe('a POST /auth/guest body over 2 KiB gets 413 MESSAGE_TOO_LARGE, and the connection is closed', () => {
    const tooLarge = { code: 'MESSAGE_TOO_LARGE', message: 'the body is over 2,048 bytes' };
    const shapes: Array<[string, string]> = [
      ['a 5,000-byte body', `Content-Length: 5000\r\n\r\n${'a'.repeat(5_000)}`],
      [
        'a chunked body past 2 KiB',
        `Transfer-Encoding: chunked\r\n\r\n${`400\r\n${'a'.repeat(1_024)}\r\n`.repeat(4)}`,
      ],
      ['a declared length of 10^12 bytes', 'Content-Length: 1000000000000\r\n\r\naaaa'],
    ];
    it.each(shapes)('%s', async (_name, rest) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { text, closed } = await exchange(`POST /auth/guest HTTP/1.1\r\nHost: x\r\n${rest}`);
      expect(responses(text)).toEqual([{ status: 413, body: tooLarge }]);
      expect(text.toLowerCase()).toContain('connection: close');
      expect(closed).toBe(true);
      expect(logged).not.toHaveBeenCalled();
    });

    it('through fetch too, with the body still being sent', async () => {
      const response = await fetch(`${t.httpUrl}/auth/guest`, { method: 'POST', body: 'a'.repeat(100_000) });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual(tooLarge);
    });
  });

  describe('a request the HTTP parser refuses is answered in the JSON error shape, then closed', () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const upgrade = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
    // A page's cookies for its domain can pass Node's 16 KiB of headers: the player must see why.
    const cookie = `Cookie: ${'a'.repeat(20_000)}\r\n`;
    const cases: Array<[string, string, number, string]> = [
      ['headers over 16 KiB', `GET / HTTP/1.1\r\nHost: x\r\n${cookie}\r\n`, 431, 'MESSAGE_TOO_LARGE'],
      [
        'an upgrade with headers over 16 KiB',
        `GET /ws HTTP/1.1\r\nHost: x\r\n${upgrade}${cookie}\r\n`,
        431,
        'MESSAGE_TOO_LARGE',
      ],
      ['a request line that is no HTTP', 'GARBAGE\r\n\r\n', 400, 'INVALID_MESSAGE'],
      [
        'a Content-Length that is no number',
        'POST /auth/guest HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
        400,
        'INVALID_MESSAGE',
      ],
    ];
    it.each(cases)('%s', async (_name, request, status, code) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { text, closed } = await exchange(request);
      const answers = responses(text);
      expect(answers).toEqual([{ status, body: { code, message: expect.any(String) } }]);
      expect(text.toLowerCase()).toContain('connection: close');
      expect(closed).toBe(true);
      expect(logged).not.toHaveBeenCalled();
    });
  });
});
