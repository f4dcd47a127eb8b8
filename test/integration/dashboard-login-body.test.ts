import http from 'node:http';
import { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startServer, type TestServer } from '../support/server.js';

const ADMIN = 'admin-token-for-tests-0123456789';
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Starts a sign-in whose body says 1,000 bytes, sends 10 of them, and goes away. */
function abandonSignIn(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000' },
    });
    req.on('error', () => resolve());
    req.write('token=abcd', () => setTimeout(() => req.destroy(), 50));
    req.on('close', () => resolve());
  });
}

describe('a dashboard sign-in whose body breaks off', () => {
  it('is not counted as a body over the limit: the client went away, it sent nothing too large', async () => {
    const metrics = new CountingMetrics();
    t = await startServer({}, { adminToken: ADMIN, metrics });
    await abandonSignIn(t.httpUrl);
    // Time for the server to see the request go (it counted at once when it did count).
    await sleep(100);
    expect((await fetch(`${t.httpUrl}/dashboard`)).status).toBe(401);
    expect(metrics.total('bad_input_total', { code: 'MESSAGE_TOO_LARGE' })).toBe(0);
  });

  it('while one over the limit still is', async () => {
    const metrics = new CountingMetrics();
    t = await startServer({}, { adminToken: ADMIN, metrics });
    const response = await fetch(`${t.httpUrl}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(8_192)}`,
    });
    expect(response.status).toBe(413);
    expect(metrics.total('bad_input_total', { code: 'MESSAGE_TOO_LARGE' })).toBe(1);
  });
});
