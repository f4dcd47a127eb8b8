import http, { IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUpgrade, type UpgradeCheckOptions } from '../../../src/server/http/upgrade-guard.js';

type Verdict = ReturnType<typeof checkUpgrade> | { threw: unknown };

/** A real HTTP server that records what checkUpgrade says about each raw upgrade request. */
let server: http.Server;
let port: number;
let options: UpgradeCheckOptions;
const verdicts: Verdict[] = [];
beforeAll(async () => {
  server = http.createServer();
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket) => {
    try {
      verdicts.push(checkUpgrade(req, options));
    } catch (error) {
      verdicts.push({ threw: error });
    }
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ORIGIN = 'http://game.test';
const base = [
  'Host: x',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
  `Origin: ${ORIGIN}`,
];
const without = (name: string) =>
  base.filter((header) => !header.toLowerCase().startsWith(name.toLowerCase()));
const replacing = (header: string) => [...without(header.slice(0, header.indexOf(':'))), header];

/** Writes the request byte for byte, so that repeated headers and odd targets reach the server as sent. */
async function verdictFor(
  target: string,
  headers: string[],
  { method = 'GET', guard = { path: '/ws', allowedOrigins: [ORIGIN] } as UpgradeCheckOptions } = {},
): Promise<Verdict> {
  options = guard;
  const before = verdicts.length;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write(`${method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
  await closed;
  const verdict = verdicts[before];
  if (!verdict) throw new Error(`no upgrade seen for ${method} ${target}`);
  return verdict;
}

const refused = (status: number, code = 'HANDSHAKE_REJECTED') => ({ ok: false, status, code });

describe('checkUpgrade', () => {
  it('accepts a proper upgrade and finds the token in the query or a Bearer header', async () => {
    expect(await verdictFor('/ws?token=abc', base)).toEqual({ ok: true, token: 'abc' });
    expect(await verdictFor('/ws', [...base, 'Authorization: Bearer xyz'])).toEqual({
      ok: true,
      token: 'xyz',
    });
    expect(await verdictFor('/ws', [...base, 'authorization: bearer xyz'])).toEqual({
      ok: true,
      token: 'xyz',
    });
    expect(await verdictFor('/ws', base)).toEqual({ ok: true, token: undefined });
    expect(await verdictFor('/ws?token=', base)).toEqual({ ok: true, token: undefined });
    expect(await verdictFor('/ws?room=1&token=a%2Bb', base)).toEqual({ ok: true, token: 'a+b' });
  });

  it('prefers the query token and ignores other authorization schemes', async () => {
    expect(await verdictFor('/ws?token=q', [...base, 'Authorization: Bearer h'])).toEqual({
      ok: true,
      token: 'q',
    });
    expect(await verdictFor('/ws', [...base, 'Authorization: Basic dTpw'])).toEqual({
      ok: true,
      token: undefined,
    });
    // An empty query token is no token, with no fall back to the header (docs/protocol.md says so).
    for (const target of ['/ws?token=', '/ws?token']) {
      expect(await verdictFor(target, [...base, 'Authorization: Bearer h'])).toEqual({
        ok: true,
        token: undefined,
      });
    }
  });

  it('accepts header names and the upgrade value in any case', async () => {
    const shouted = base.map((header) => header.toUpperCase().replace(KEY.toUpperCase(), KEY));
    expect(
      await verdictFor(
        '/ws',
        shouted.map((h) => h.replace(ORIGIN.toUpperCase(), ORIGIN)),
      ),
    ).toEqual({
      ok: true,
      token: undefined,
    });
  });

  it('refuses repeated security headers, whatever their case', async () => {
    expect(await verdictFor('/ws', [...base, `Sec-WebSocket-Key: ${KEY}`])).toMatchObject(refused(400));
    expect(await verdictFor('/ws', [...base, `sec-websocket-key: ${KEY}`])).toMatchObject(refused(400));
    for (const extra of [
      'Host: y',
      `Origin: ${ORIGIN}`,
      'Sec-WebSocket-Version: 13',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Protocol: a',
    ]) {
      const headers = extra.startsWith('Sec-WebSocket-Protocol') ? [...base, extra, extra] : [...base, extra];
      expect(await verdictFor('/ws', headers), extra).toMatchObject(refused(400));
    }
    const twoTokens = [...base, 'Authorization: Bearer a', 'Authorization: Bearer b'];
    expect(await verdictFor('/ws', twoTokens)).toMatchObject(refused(400));
  });

  it('refuses a method other than GET and a path other than the endpoint', async () => {
    expect(await verdictFor('/ws', base, { method: 'POST' })).toMatchObject(refused(405));
    for (const target of ['/other', '/ws/', '/WS', '/ws/x', '/w%73']) {
      expect(await verdictFor(target, base), target).toMatchObject(refused(404));
    }
    for (const target of ['//evil.test/ws', 'http://x/ws']) {
      expect(await verdictFor(target, base), target).toMatchObject(refused(400));
    }
  });

  it('refuses an upgrade to anything but websocket', async () => {
    expect(await verdictFor('/ws', replacing('Upgrade: h2c'))).toMatchObject(refused(400));
  });

  it('refuses missing or malformed keys', async () => {
    expect(await verdictFor('/ws', without('Sec-WebSocket-Key'))).toMatchObject(refused(400));
    for (const key of [
      'short',
      'AAAAAAAAAAAAAAAAAAAA', // 15 bytes
      'AAAAAAAAAAAAAAAAAAAAAAA=', // 17 bytes
      'AAAAAAAAAAAAAAAAAAAAAA', // unpadded
      'dGhlIHNhbXBsZSBub25jZQ-_', // base64url is not base64
      `${KEY}${KEY}`,
    ]) {
      expect(await verdictFor('/ws', replacing(`Sec-WebSocket-Key: ${key}`)), key).toMatchObject(
        refused(400),
      );
    }
  });

  it('asks for version 13', async () => {
    expect(await verdictFor('/ws', replacing('Sec-WebSocket-Version: 8'))).toMatchObject(refused(426));
    expect(await verdictFor('/ws', without('Sec-WebSocket-Version'))).toMatchObject(refused(426));
  });

  it('refuses long subprotocol lists', async () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`).join(', ');
    expect(await verdictFor('/ws', [...base, `Sec-WebSocket-Protocol: ${list(4)}`])).toMatchObject({
      ok: true,
    });
    expect(await verdictFor('/ws', [...base, `Sec-WebSocket-Protocol: ${list(5)}`])).toMatchObject(
      refused(400),
    );
    expect(await verdictFor('/ws', [...base, `Sec-WebSocket-Protocol: ${list(9)}`])).toMatchObject(
      refused(400),
    );
    const roomy = { path: '/ws', maxProtocols: 9 };
    expect(
      await verdictFor('/ws', [...base, `Sec-WebSocket-Protocol: ${list(9)}`], { guard: roomy }),
    ).toMatchObject({
      ok: true,
    });
    const long = `Sec-WebSocket-Protocol: ${'p'.repeat(257)}`;
    expect(await verdictFor('/ws', [...base, long], { guard: roomy })).toMatchObject(refused(400));
  });

  it('refuses a subprotocol list ws would refuse, before any work is spent on it', async () => {
    // ws answers these 400 itself, in text/html, but only in handleUpgrade: after the authenticator ran.
    for (const value of ['a b', 'a,,b', 'a,', ',a', 'chat, chat', 'a;b', 'é', '"a"']) {
      const header = `Sec-WebSocket-Protocol: ${value}`;
      expect(await verdictFor('/ws', [...base, header]), value).toMatchObject(refused(400));
    }
    expect(await verdictFor('/ws', [...base, 'Sec-WebSocket-Protocol:'])).toMatchObject(refused(400));
    for (const value of ['chat', 'chat, v2.json', 'a ,b', 'a,\tb'])
      expect(await verdictFor('/ws', [...base, `Sec-WebSocket-Protocol: ${value}`]), value).toMatchObject({
        ok: true,
      });
  });

  it('refuses foreign or missing origins when origins are limited, and any origin otherwise', async () => {
    expect(await verdictFor('/ws', replacing('Origin: http://evil.test'))).toMatchObject(refused(403));
    expect(await verdictFor('/ws', without('Origin'))).toMatchObject(refused(403));
    const open = { path: '/ws' };
    expect(await verdictFor('/ws', replacing('Origin: http://evil.test'), { guard: open })).toMatchObject({
      ok: true,
    });
    expect(await verdictFor('/ws', without('Origin'), { guard: open })).toMatchObject({ ok: true });
  });

  it('refuses oversize and repeated tokens as UNAUTHORIZED', async () => {
    expect(await verdictFor(`/ws?token=${'t'.repeat(2048)}`, base)).toMatchObject({ ok: true });
    expect(await verdictFor(`/ws?token=${'t'.repeat(2049)}`, base)).toMatchObject(
      refused(400, 'UNAUTHORIZED'),
    );
    const longBearer = [...base, `Authorization: Bearer ${'t'.repeat(3000)}`];
    expect(await verdictFor('/ws', longBearer)).toMatchObject(refused(400, 'UNAUTHORIZED'));
    expect(await verdictFor('/ws?token=a&token=b', base)).toMatchObject(refused(400, 'UNAUTHORIZED'));
  });

  it('never throws, whatever arrives', async () => {
    for (const target of ['/ws?token=%E0%A4%A', '/ws?%%%', '/ws?token=%00', '*', '/ws#frag', '/ws?token']) {
      const verdict = await verdictFor(target, base);
      expect('threw' in verdict, target).toBe(false);
    }
    // Not via a socket, so fields a parser always fills can be missing.
    const bare = new IncomingMessage(new net.Socket());
    expect(checkUpgrade(bare, { path: '/ws' })).toMatchObject({ ok: false });
    bare.method = 'GET';
    expect(checkUpgrade(bare, { path: '/ws' })).toMatchObject(refused(400));
  });
});
