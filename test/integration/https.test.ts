import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { selfSignedCert } from '../support/self-signed.js';
import { sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let tls: { key: Buffer; cert: Buffer };
beforeAll(async () => {
  tls = selfSignedCert();
  t = await startServer({ test: TestRoom }, { tls });
});
afterAll(async () => {
  await t.close();
});

// Trust the self-signed certificate for this client only.
class TrustingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { rejectUnauthorized: false });
  }
}

describe('HTTPS and WSS', () => {
  it('serves wss:// when given a certificate and key', async () => {
    expect(t.wsUrl.startsWith('wss://')).toBe(true);
    const client = t.client({
      WebSocket: TrustingWebSocket as never,
      token: t.server.issueGuestToken('tls'),
    });
    await client.connect();
    const room = await client.create('test');
    expect(room.roomId).toBeTruthy();
  });
});

describe('HTTPS connections per address', () => {
  it('counts TCP connections before their TLS handshake: one over maxConnectionsPerAddress is closed at once', async () => {
    const bounded = await startServer({ test: TestRoom }, { tls, maxConnectionsPerAddress: 2 });
    const raw: Socket[] = [];
    try {
      const client = bounded.client({
        WebSocket: TrustingWebSocket as never,
        token: bounded.server.issueGuestToken('tls'),
      });
      await client.connect(); // one slot, for its connection and its upgrade alike
      const idle = connect({ port: bounded.port, host: '127.0.0.1' });
      raw.push(idle);
      idle.on('error', () => {});
      await new Promise((resolve) => idle.once('connect', resolve)); // the other slot, no handshake sent
      const over = connect({ port: bounded.port, host: '127.0.0.1' });
      raw.push(over);
      over.on('error', () => {});
      const closed = new Promise<boolean>((resolve) => over.once('close', () => resolve(true)));
      expect(await Promise.race([closed, sleep(2_000).then(() => false)])).toBe(true);
      expect((await client.create('test')).roomId).toBeTruthy();
    } finally {
      for (const socket of raw) socket.destroy();
      await bounded.close();
    }
  });
});
