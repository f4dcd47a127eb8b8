import { closeCodeFor, ErrorCode } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startServer, type TestServer } from '../support/server.js';

// Faults of the server's own (or of the app code it runs) while answering HTTP or an upgrade: answered
// 500, logged, and counted in internal_errors_total, which the error-spike alert counts in full.

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.restoreAllMocks();
});

const internalErrors = (server: TestServer) =>
  (server.server.metrics as CountingMetrics).total('internal_errors_total');

describe('a fault while answering', () => {
  it('an HTTP request: 500 INTERNAL_ERROR, logged, counted as an internal error', async () => {
    t = await startServer({});
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(t.server.monitoring, 'handle').mockRejectedValue(new Error('a handler broke'));
    const before = internalErrors(t);

    const response = await fetch(`${t.httpUrl}/somewhere`);

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ code: 'INTERNAL_ERROR', message: expect.any(String) });
    expect(internalErrors(t)).toBe(before + 1);
    expect(logged).toHaveBeenCalledWith('vehikill-net: HTTP request failed', expect.any(Error));
    // The server still serves.
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
  });

  it('an HTTP answer already begun: cut off, so the client sees it fail rather than end short', async () => {
    t = await startServer({});
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(t.server.monitoring, 'handle').mockImplementation(async (_req, res) => {
      // A streamed answer (no length given, so sent chunked) that faults halfway.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('the first half, ');
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('a handler broke halfway');
    });
    const before = internalErrors(t);

    const response = await fetch(`${t.httpUrl}/somewhere`);
    expect(response.status).toBe(200);
    // Ended as if complete, the first half read as the whole answer.
    await expect(response.text()).rejects.toThrow();
    expect(internalErrors(t)).toBe(before + 1);
    expect(logged).toHaveBeenCalledWith('vehikill-net: HTTP request failed', expect.any(Error));
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
  });

  it('an upgrade whose authenticator throws: refused 500 INTERNAL_ERROR, logged, counted', async () => {
    t = await startServer(
      {},
      {
        authenticator: {
          authenticate: async () => {
            throw new Error('the identity service broke');
          },
        },
      },
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const before = internalErrors(t);

    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${t?.wsUrl}?token=anything`);
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => {});
    });

    expect(status).toBe(500);
    expect(internalErrors(t)).toBe(before + 1);
    expect(logged).toHaveBeenCalledWith('vehikill-net: upgrade failed', expect.any(Error));
  });

  it('after the 101 (a refusal that fails as it is sent): closed INTERNAL_ERROR, no HTTP in the stream', async () => {
    t = await startServer({});
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const metrics = t.server.monitoring.metrics;
    const count = metrics.count.bind(metrics);
    vi.spyOn(metrics, 'count').mockImplementation((name, ...rest) => {
      if (name === 'auth_failures_total') throw new Error('a sink broke');
      count(name, ...rest);
    });
    const before = internalErrors(t);

    // No token: refused UNAUTHORIZED once the upgrade is complete, where the count throws.
    const ended = await new Promise<string>((resolve) => {
      const ws = new WebSocket(t?.wsUrl ?? '');
      const errors: string[] = [];
      ws.on('error', (error) => errors.push(error.message));
      ws.on('close', (code) => resolve(`${code} ${errors.join(', ')}`.trim()));
    });

    // Before, the 500 was written into the WebSocket stream: "Invalid WebSocket frame", 1006.
    expect(ended).toBe(String(closeCodeFor(ErrorCode.INTERNAL_ERROR)));
    expect(internalErrors(t)).toBe(before + 1);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged).toHaveBeenCalledWith('vehikill-net: upgrade failed', expect.any(Error));
  });
});
