/** Slow clients (slowloris): a request whose headers or body never finish must not hold a socket for long. */
import net from 'node:net';
import { GameServer } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Opens a socket, writes `text` and never finishes the request; resolves with ms until the server closed it. */
function holdOpen(port: number, text: string, giveUpMs: number): Promise<number | 'still open'> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.on('error', () => {});
    // Read what the server says before it closes (a 408): unread, its close would never be seen here.
    socket.resume();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('still open');
    }, giveUpMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('HTTP timeouts', () => {
  it('closes a request whose headers never end (plain page and WebSocket upgrade)', async () => {
    t = await startServer({}, { httpHeadersTimeoutMs: 500 });
    const [page, upgrade] = await Promise.all([
      holdOpen(t.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', 5_000),
      holdOpen(t.port, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n', 5_000),
    ]);
    expect(page).toBeLessThan(3_000);
    expect(upgrade).toBeLessThan(3_000);
  });

  it('closes a request whose body never ends', async () => {
    t = await startServer({}, { httpRequestTimeoutMs: 800 });
    const slowBody =
      'POST /auth/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na';
    expect(await holdOpen(t.port, slowBody, 5_000)).toBeLessThan(3_500);
  });

  it('leaves upgraded WebSockets alone', async () => {
    t = await startServer({}, { httpHeadersTimeoutMs: 300, httpRequestTimeoutMs: 400 });
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken());
    await raw.opened;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(raw.closeCode).toBeUndefined();
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
    raw.socket.close();
  });

  it('refuses timeouts that cannot work', () => {
    expect(() => new GameServer({ httpHeadersTimeoutMs: 0 })).toThrow(/httpHeadersTimeoutMs/);
    expect(() => new GameServer({ httpHeadersTimeoutMs: 5_000, httpRequestTimeoutMs: 1_000 })).toThrow(
      /httpRequestTimeoutMs/,
    );
  });
});
