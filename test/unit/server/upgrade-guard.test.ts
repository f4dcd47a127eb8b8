import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUpgrade } from '../../../src/server/http/upgrade-guard.js';

/** A real HTTP server that records what checkUpgrade says about each raw upgrade request. */
let server: http.Server;
let port: number;
const verdicts: Array<ReturnType<typeof checkUpgrade>> = [];
beforeAll(async () => {
  server = http.createServer();
  server.on('upgrade', (req: IncomingMessage, socket) => {
    verdicts.push(checkUpgrade(req, { path: '/ws', allowedOrigins: ['http://game.test'] }));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const base = [
  'Host: x',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
  'Origin: http://game.test',
];

async function verdictFor(path: string, headers: string[]): Promise<ReturnType<typeof checkUpgrade>> {
  const before = verdicts.length;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
  const deadline = Date.now() + 2_000;
  while (verdicts.length === before && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5));
  socket.destroy();
  const verdict = verdicts[before];
  if (!verdict) throw new Error('no upgrade seen');
  return verdict;
}

describe('checkUpgrade', () => {
  it('accepts a proper upgrade and finds the token in the query or a Bearer header', async () => {
    expect(await verdictFor('/ws?token=abc', base)).toEqual({ ok: true, token: 'abc' });
    expect(await verdictFor('/ws', [...base, 'Authorization: Bearer xyz'])).toEqual({
      ok: true,
      token: 'xyz',
    });
    expect(await verdictFor('/ws', base)).toEqual({ ok: true, token: undefined });
  });

  it('refuses repeated security headers', async () => {
    const verdict = await verdictFor('/ws', [...base, `Sec-WebSocket-Key: ${KEY}`]);
    expect(verdict).toMatchObject({ ok: false, status: 400, code: 'HANDSHAKE_REJECTED' });
    expect(await verdictFor('/ws', [...base, 'Origin: http://evil.test'])).toMatchObject({ ok: false });
  });

  it('refuses missing or malformed keys, old versions and long protocol lists', async () => {
    const without = (name: string) => base.filter((header) => !header.startsWith(name));
    expect(await verdictFor('/ws', without('Sec-WebSocket-Key'))).toMatchObject({ ok: false, status: 400 });
    expect(
      await verdictFor('/ws', [...without('Sec-WebSocket-Key'), 'Sec-WebSocket-Key: short']),
    ).toMatchObject({ ok: false });
    expect(
      await verdictFor('/ws', [...without('Sec-WebSocket-Version'), 'Sec-WebSocket-Version: 8']),
    ).toMatchObject({ ok: false, status: 426 });
    const protocols = Array.from({ length: 9 }, (_, i) => `p${i}`).join(', ');
    expect(await verdictFor('/ws', [...base, `Sec-WebSocket-Protocol: ${protocols}`])).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it('refuses other paths, foreign origins and oversize tokens', async () => {
    expect(await verdictFor('/other', base)).toMatchObject({ ok: false, status: 404 });
    const foreign = [...base.filter((header) => !header.startsWith('Origin')), 'Origin: http://evil.test'];
    expect(await verdictFor('/ws', foreign)).toMatchObject({ ok: false, status: 403 });
    expect(await verdictFor(`/ws?token=${'t'.repeat(3000)}`, base)).toMatchObject({
      ok: false,
      code: 'UNAUTHORIZED',
    });
  });
});
