/**
 * A request's path is routed as written. A proxy in front that keeps a route private (`location /metrics
 * { deny all; }`) sees `//x/metrics` as the path `/x/metrics` and lets it through: the server must not read
 * it as /metrics.
 */
import net from 'node:net';
import { PrometheusMetrics } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({}, { metrics: new PrometheusMetrics() });
});
afterAll(() => t.close());

/** The status of `GET target`, the target sent exactly as written (fetch would normalize it). */
function statusOf(target: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(t.port, '127.0.0.1');
    let text = '';
    socket.on('data', (data) => {
      text += data.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(text.slice(9, 12))));
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
}

describe('request paths', () => {
  it('serves the routes at their paths', async () => {
    expect(await statusOf('/metrics')).toBe(200);
    expect(await statusOf('/healthz?probe=1')).toBe(200);
  });

  it('does not read a path that starts with two slashes (or a backslash) as a host and the rest', async () => {
    for (const target of ['//x/metrics', '/\\x/metrics', '//x/healthz', '//metrics'])
      expect(await statusOf(target), target).toBe(404);
    expect(await statusOf('//x/auth/guest', 'POST')).toBe(404);
  });
});

describe('a path with no route', () => {
  it('is answered 404 in the JSON error shape every refusal has', async () => {
    for (const method of ['GET', 'POST']) {
      const response = await fetch(`${t.httpUrl}/no/such/route`, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ code: 'INVALID_MESSAGE', message: expect.any(String) });
    }
  });

  it('is answered as /dashboard is when the dashboard is off, which must not show that it exists', async () => {
    const missing = await fetch(`${t.httpUrl}/no/such/route`);
    const dashboard = await fetch(`${t.httpUrl}/dashboard`);
    expect(dashboard.status).toBe(404);
    expect(dashboard.headers.get('content-type')).toBe(missing.headers.get('content-type'));
    expect(await dashboard.text()).toBe(await missing.text());
  });
});
