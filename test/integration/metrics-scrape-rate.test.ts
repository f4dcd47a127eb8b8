import { ManualClock, PrometheusMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('scraping /metrics', () => {
  it('is bounded per address: a loop of scrapes gets 429 RATE_LIMITED, not a render each', async () => {
    // A render costs about ten times what refusing does (1.2 ms here, the registry with Node's process
    // metrics): an open /metrics fetched in a loop by one client took a core from the rooms' ticks.
    const clock = new ManualClock(1_700_000_000_000);
    t = await startServer({}, { clock, trustProxy: 1, metrics: new PrometheusMetrics() });
    const scrape = (address: string) =>
      fetch(`${t?.httpUrl}/metrics`, { headers: { 'x-forwarded-for': address } });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await scrape('203.0.113.7')).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const refused = await scrape('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // Another scraper (a second Prometheus) is not held back by this one.
    expect((await scrape('198.51.100.9')).status).toBe(200);
    // Scraping every second, as the most eager Prometheus job does, is never refused.
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      expect((await scrape('203.0.113.7')).status).toBe(200);
    }
  });
});
