import { ManualClock, PrometheusMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const METRICS = 'metrics-token-for-tests';
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A sign-in on the dashboard's form, from `address` (the proxy names it: trustProxy 1). */
function signIn(token: string, address = '203.0.113.7') {
  return fetch(`${t?.httpUrl}/dashboard/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
    body: `token=${encodeURIComponent(token)}`,
    redirect: 'manual',
  });
}

describe('guessing the admin token', () => {
  it('is refused with 429 and Retry-After after a few wrong tokens from one address, the right one too', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    t = await startServer({}, { clock, trustProxy: 1, adminToken: ADMIN });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await signIn(`wrong-guess-${i}-0123456789`)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    // Refused before it is compared: otherwise the answer would still tell a right guess from a wrong one.
    const refused = await signIn(ADMIN);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Every way a token is checked shares the count: the bearer header and ?token= as well.
    const bearer = await fetch(`${t.httpUrl}/analytics`, {
      headers: { authorization: `Bearer ${ADMIN}`, 'x-forwarded-for': '203.0.113.7' },
    });
    expect(bearer.status).toBe(429);
    const query = await fetch(`${t.httpUrl}/dashboard?token=${ADMIN}`, {
      headers: { 'x-forwarded-for': '203.0.113.7' },
      redirect: 'manual',
    });
    expect(query.status).toBe(429);

    // Another address is not held back by this one's guesses.
    expect((await signIn(ADMIN, '198.51.100.9')).status).toBe(303);
    // And this one may try again once the wait has passed.
    clock.advance(Number(refused.headers.get('retry-after')) * 1_000);
    expect((await signIn(ADMIN)).status).toBe(303);
  });

  it('bounds the /64s of one IPv6 /48 together, and keeps no operator at another network out', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    t = await startServer({}, { clock, trustProxy: 1, adminToken: ADMIN });
    // Ten wrong tokens from each of four /64s of one /48: each /64 is within its own ten, the /48 is not.
    for (let n = 0; n < 4; n++)
      for (let i = 0; i < 10; i++)
        expect((await signIn(`wrong-guess-${i}`, `2001:db8:aa:${n}::1`)).status).toBe(401);
    const fresh = await signIn(ADMIN, '2001:db8:aa:ffff::1');
    expect(fresh.status).toBe(429);
    expect(Number(fresh.headers.get('retry-after'))).toBe(2); // 1.5 s, the /48's next guess
    // Told that its /48 guessed too much, not it: this /64 sent no token before.
    expect(await fresh.json()).toEqual({
      code: 'RATE_LIMITED',
      message:
        "too many wrong tokens from your address's /48 (2001:db8:aa::/48, all its /64s together): wait and try again",
    });
    const bearer = await fetch(`${t.httpUrl}/analytics`, {
      headers: { authorization: `Bearer ${ADMIN}`, 'x-forwarded-for': '2001:db8:aa:1234::9' },
    });
    expect(bearer.status).toBe(429);

    // The operator at another /48 of the same /32, at another /32, or at an IPv4 address signs in.
    expect((await signIn(ADMIN, '2001:db8:bb:1::1')).status).toBe(303);
    expect((await signIn(ADMIN, '2a01:4f8:1:1::1')).status).toBe(303);
    expect((await signIn(ADMIN, '203.0.113.7')).status).toBe(303);
    // And the /48 may guess again once its wait has passed.
    clock.advance(2_000);
    expect((await signIn(ADMIN, '2001:db8:aa:ffff::1')).status).toBe(303);
  });

  it('counts wrong metrics tokens the same way', async () => {
    t = await startServer(
      {},
      {
        trustProxy: 1,
        metricsToken: METRICS,
        metrics: new PrometheusMetrics({ processMetrics: false }),
      },
    );
    const scrape = (token: string) =>
      fetch(`${t?.httpUrl}/metrics`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' },
      });
    for (let i = 0; i < 10; i++) expect((await scrape(`nope-${i}`)).status).toBe(401);
    expect((await scrape(METRICS)).status).toBe(429);
  });
});

describe('guessing the metrics token from the network of a working scraper', () => {
  it('holds back the guessers, not the scraper that presented the right token before', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    t = await startServer(
      {},
      {
        clock,
        trustProxy: 1,
        metricsToken: METRICS,
        metrics: new PrometheusMetrics({ processMetrics: false }),
      },
    );
    const scrape = (token: string, address: string) =>
      fetch(`${t?.httpUrl}/metrics`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address },
      });
    // A scraper on a provider's /48, which other customers' servers share.
    expect((await scrape(METRICS, '2001:db8:aa:5ca1::1')).status).toBe(200);
    for (let n = 0; n < 5; n++) for (let i = 0; i < 10; i++) await scrape(`nope-${i}`, `2001:db8:aa:${n}::1`);
    expect((await scrape(METRICS, '2001:db8:aa:ffff::1')).status).toBe(429);
    clock.advance(1_000);
    expect((await scrape(METRICS, '2001:db8:aa:5ca1::1')).status).toBe(200);
  });
});

describe('refusing a token on the JSON routes', () => {
  it('answers {code, message} as every HTTP refusal of the server does: UNAUTHORIZED, then RATE_LIMITED', async () => {
    t = await startServer(
      {},
      {
        trustProxy: 1,
        adminToken: ADMIN,
        metricsToken: METRICS,
        metrics: new PrometheusMetrics({ processMetrics: false }),
      },
    );
    const ask = (path: string, token?: string) =>
      fetch(`${t?.httpUrl}${path}`, {
        headers: {
          'x-forwarded-for': '203.0.113.7',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      });
    for (const path of ['/analytics', '/dashboard/api/state', '/metrics']) {
      const missing = await ask(path);
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('content-type'), path).toBe('application/json');
      expect(await missing.json(), path).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    for (let i = 0; i < 10; i++) await ask('/analytics', `wrong-guess-${i}-0123456789`);
    for (const path of ['/analytics', '/dashboard/api/state', '/metrics']) {
      const refused = await ask(path, ADMIN);
      expect(refused.status, path).toBe(429);
      expect(Number(refused.headers.get('retry-after')), path).toBeGreaterThan(0);
      expect(await refused.json(), path).toMatchObject({ code: 'RATE_LIMITED' });
    }
  });
});
