import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from 'vehikill-net/protocol';
import { realClock, ServerMonitoring } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

// The monitoring routes' own refusals are JSON `{code, message}`, as every other HTTP refusal of the
// server is: a script reading the dashboard's state or /analytics tells them apart by the code.

const ADMIN = 'an-admin-token-for-the-tests';
const asAdmin = { headers: { authorization: `Bearer ${ADMIN}` } };

let t: TestServer | undefined;
let emptyDir: string | undefined;
let plain: Server | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  if (emptyDir !== undefined) rmSync(emptyDir, { recursive: true, force: true });
  emptyDir = undefined;
  await new Promise((resolve) => (plain ? plain.close(resolve) : resolve(undefined)));
  plain = undefined;
});

/** The status, content type and JSON body of `response`. */
async function answerOf(response: Response) {
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as unknown,
  };
}

describe('a monitoring route that cannot answer', () => {
  it('/dashboard with its bundle not built: 503 INTERNAL_ERROR, saying how to build it', async () => {
    emptyDir = mkdtempSync(join(tmpdir(), 'no-dashboard-'));
    t = await startServer({}, { adminToken: ADMIN, dashboardDir: emptyDir });
    expect(await answerOf(await fetch(`${t.httpUrl}/dashboard`, asAdmin))).toEqual({
      status: 503,
      type: 'application/json',
      body: {
        code: ErrorCode.INTERNAL_ERROR,
        message: 'the dashboard is not built: run node scripts/bundle-web.mjs',
      },
    });
  });

  it('/dashboard built after the refusal is served without a restart', async () => {
    emptyDir = mkdtempSync(join(tmpdir(), 'no-dashboard-'));
    t = await startServer({}, { adminToken: ADMIN, dashboardDir: emptyDir });
    expect((await fetch(`${t.httpUrl}/dashboard`, asAdmin)).status).toBe(503);
    // What the refusal says to do: the bundle's files appear in the folder while the server runs.
    for (const name of ['index.html', 'dashboard.js', 'dashboard.css']) {
      writeFileSync(join(emptyDir, name), `/* ${name} */`);
    }
    const dashboard = `${t.httpUrl}/dashboard`;
    await expect.poll(async () => (await fetch(dashboard, asAdmin)).status, { timeout: 5_000 }).toBe(200);
    expect(await (await fetch(dashboard, asAdmin)).text()).toBe('/* index.html */');
  });

  it('/analytics with analytics turned off: 404 INVALID_MESSAGE, saying so', async () => {
    t = await startServer({}, { adminToken: ADMIN, analytics: false });
    expect(await answerOf(await fetch(`${t.httpUrl}/analytics`, asAdmin))).toEqual({
      status: 404,
      type: 'application/json',
      body: { code: ErrorCode.INVALID_MESSAGE, message: 'analytics are turned off on this server' },
    });
  });

  it("the dashboard's state before the server listens: 503 INTERNAL_ERROR", async () => {
    // Monitoring served by an HTTP server of the app's own, before the game server has started it.
    const monitoring = new ServerMonitoring({
      sink: { count() {}, observe() {} },
      clock: realClock,
      nodeId: 'n1',
      secure: false,
      trustProxy: 0,
      options: { adminToken: ADMIN, analytics: false, alerts: { defaults: false } },
    });
    const server = createServer((req, res) => {
      void monitoring.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname);
    });
    plain = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(await answerOf(await fetch(`http://127.0.0.1:${port}/dashboard/api/state`, asAdmin))).toEqual({
      status: 503,
      type: 'application/json',
      body: { code: ErrorCode.INTERNAL_ERROR, message: 'the server is not listening yet' },
    });
    await monitoring.close();
  });
});
