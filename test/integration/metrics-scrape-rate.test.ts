import { ManualClock, PrometheusMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.restoreAllMocks();
});

describe('scraping /metrics', () => {
  it('is bounded per address: a loop of scrapes gets 429 RATE_LIMITED, not the exposition each', async () => {
    // Renders are shared node-wide, but each answer carries the whole exposition (25 KB here, with Node's
    // process metrics; hundreds of KB on a busy node): one client looping on an open /metrics is refused.
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

  it('renders once for a burst of scrapes from many addresses, and afresh a second later', async () => {
    // Bounded per address only, a holder of many /64s (or IPv4 addresses) had the whole exposition
    // rendered for each of its requests: 20-30 ms each for a node with thousands of series.
    const clock = new ManualClock(1_700_000_000_000);
    const metrics = new CountedRenders({ processMetrics: false });
    t = await startServer({}, { clock, trustProxy: 1, metrics });
    const burst = await Promise.all(manyAddresses(100).map((address) => scrapeFrom(address)));
    expect(burst.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(new Set(burst.map((r) => r.body)).size).toBe(1);
    expect(burst.every((r) => r.contentType === metrics.contentType)).toBe(true);
    expect(metrics.renders).toBe(1);
    expect(burst[0]?.body).toContain('vehikill_connections_total 0');

    // What happens meanwhile shows in the render a second later, not before.
    metrics.count('connections_total', undefined, 5);
    expect((await scrapeFrom('203.0.113.7')).body).toContain('vehikill_connections_total 0');
    clock.advance(1_000);
    const fresh = await scrapeFrom('203.0.113.7');
    expect(fresh.body).toContain('vehikill_connections_total 5');
    expect(metrics.renders).toBe(2);
  });

  it('with metricsToken, still refuses a missing or wrong token while a render is shared', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const metrics = new CountedRenders({ processMetrics: false });
    t = await startServer({}, { clock, trustProxy: 1, metrics, metricsToken: 'scrape-secret' });
    const right = { authorization: 'Bearer scrape-secret' };
    const served = await scrapeFrom('203.0.113.7', right);
    expect(served.status).toBe(200);
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const refused = await scrapeFrom('198.51.100.9', headers);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    const again = await scrapeFrom('2001:db8:1:2::9', right);
    expect(again.status).toBe(200);
    expect(again.body).toBe(served.body);
    expect(metrics.renders).toBe(1);
  });
});

describe('a metrics render that hangs or fails', () => {
  it('costs only its own render: its scrapes get 503 at the timeout, the next scrape a fresh render', async () => {
    // Every scrape shares the render under way: one that never finished held every scrape after it too.
    const clock = new ManualClock(1_700_000_000_000);
    const metrics = new HangingFirstRender({ processMetrics: false });
    t = await startServer({}, { clock, trustProxy: 1, metrics, metricsRenderTimeoutMs: 2_000 });
    const errors = silenceErrors();
    const waiting = scrapeFrom('203.0.113.7');
    await metrics.started;
    clock.advance(2_000);
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'the metrics render did not finish within 2,000 ms: try again',
    });
    expect(errors.logged()).toHaveLength(1);
    const fresh = await scrapeFrom('203.0.113.7');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toContain('vehikill_connections_total 0');
    expect(metrics.renders).toBe(2);
    expect(fresh.body).toContain('vehikill_internal_errors_total 1');
  });

  it('answers 500 to the scrapes of a render that threw, never its body as a success, then renders afresh', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const metrics = new ThrowingFirstRender({ processMetrics: false });
    t = await startServer({}, { clock, trustProxy: 1, metrics });
    const errors = silenceErrors();
    const failed = await scrapeFrom('203.0.113.7');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'the metrics render failed: try again',
    });
    // Within its second it is shared as any render is: still a failure, not rendered again.
    expect((await scrapeFrom('198.51.100.9')).status).toBe(500);
    expect(metrics.renders).toBe(1);
    expect(errors.logged()).toHaveLength(1);
    clock.advance(1_000);
    const fresh = await scrapeFrom('203.0.113.7');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toContain('vehikill_internal_errors_total 1');
  });
});

/** The Prometheus sink, counting how often it renders. */
class CountedRenders extends PrometheusMetrics {
  renders = 0;
  override render(): Promise<string> {
    this.renders++;
    return super.render();
  }
}

/** `count` addresses, each a block of its own: half IPv6 /64s of one /48, half IPv4 addresses. */
function manyAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? `2001:db8:aa:${i.toString(16)}::7` : `192.0.2.${i}`,
  );
}

async function scrapeFrom(address: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t?.httpUrl}/metrics`, {
    headers: { 'x-forwarded-for': address, ...headers },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.text(),
  };
}

/** A Prometheus sink whose first render never finishes (a collect waiting on a service that never answers). */
class HangingFirstRender extends CountedRenders {
  #started: () => void = () => {};
  /** Resolves when the first render has begun. */
  readonly started = new Promise<void>((resolve) => {
    this.#started = resolve;
  });
  override render(): Promise<string> {
    if (this.renders > 0) return super.render();
    this.renders++;
    this.#started();
    return new Promise<string>(() => {});
  }
}

/** A Prometheus sink whose first render throws. */
class ThrowingFirstRender extends CountedRenders {
  override render(): Promise<string> {
    if (this.renders > 0) return super.render();
    this.renders++;
    throw new Error('collect failed');
  }
}

/** Keeps the server's error log out of the test output, and tells what it logged. */
function silenceErrors() {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  return { logged: () => spy.mock.calls.filter(([what]) => String(what).includes('metrics render')) };
}
