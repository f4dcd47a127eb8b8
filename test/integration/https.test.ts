import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vehikill-tls-'));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  t = await startServer({ test: TestRoom }, { tls: { key: readFileSync(key), cert: readFileSync(cert) } });
});
afterAll(async () => {
  await t.close();
});

describe('HTTPS and WSS', () => {
  it('serves wss:// when given a certificate and key', async () => {
    expect(t.wsUrl.startsWith('wss://')).toBe(true);
    // Trust the self-signed certificate for this client only.
    class TrustingWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { rejectUnauthorized: false });
      }
    }
    const client = t.client({
      WebSocket: TrustingWebSocket as never,
      token: t.server.issueGuestToken('tls'),
    });
    await client.connect();
    const room = await client.create('test');
    expect(room.roomId).toBeTruthy();
  });
});
