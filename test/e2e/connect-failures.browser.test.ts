import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { freePort } from '../support/coturn.js';
import { startServer, type TestServer } from '../support/server.js';

/*
 * What a page's developer reads when connect() gets nowhere, in a real browser: Chromium's fetch says
 * only "Failed to fetch" and its WebSocket only close code 1006, whatever went wrong. A page pointed at a
 * server that was not started read "guest token request: TypeError: Failed to fetch", one pointed at the
 * wrong path "closed (1006) before it opened", and giving up said "no connection after 0 attempts".
 */

let browser: Browser;
let t: TestServer;

beforeAll(async () => {
  const dir = await buildClientPage();
  [browser, t] = await Promise.all([launchChromium(), startServer({ test: TestRoom }, { staticDir: dir })]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Connects a client of the page to `url`, giving up at the first failure: its events and outcome. */
function connectOnce(
  page: Page,
  url: string,
): Promise<{ errors: string[]; closed: string; rejected: string }> {
  return page.evaluate(async (url) => {
    const { Client } = (globalThis as never as { vehikill: typeof import('vehikill-net/client') }).vehikill;
    const client = new Client({ url, maxReconnectAttempts: 0 });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    const closed = new Promise<string>((resolve) =>
      client.on('closed', ({ code, message }) => resolve(`${code}: ${message}`)),
    );
    const rejected = await client.connect().then(
      () => 'connected',
      (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
    );
    return { errors, closed: await closed, rejected };
  }, url);
}

describe('a failed connect() in a real browser', () => {
  it('names the address it asked when no server answers there', async () => {
    const page = await browser.newPage();
    await page.goto(t.httpUrl);
    const port = await freePort(); // nothing listens there
    const outcome = await connectOnce(page, `ws://127.0.0.1:${port}/ws`);
    const failure =
      `could not get a token: guest token request to http://127.0.0.1:${port}/auth/guest got no answer ` +
      '(TypeError: Failed to fetch): is the server running there?';
    expect(outcome.errors).toEqual([`NODE_UNREACHABLE: ${failure}`]);
    const gaveUp = `no connection after 0 reconnect attempts (maxReconnectAttempts 0); the last: ${failure}`;
    expect(outcome.closed).toBe(`GAVE_UP: ${gaveUp}`);
    expect(outcome.rejected).toBe(`NODE_UNREACHABLE: ${gaveUp}`);
    await page.close();
  });

  it("stops with the server's refusal of the page's origin, not taking it for a server that is down", async () => {
    // A game server that takes another origin's pages only (the page comes from the test server here).
    const other = await startServer({ test: TestRoom }, { allowedOrigins: ['http://game.test'] });
    try {
      const page = await browser.newPage();
      await page.goto(t.httpUrl);
      const outcome = await connectOnce(page, other.wsUrl);
      // Without the CORS header on the refusal, the browser hid it: "Failed to fetch", NODE_UNREACHABLE,
      // and a client without maxReconnectAttempts retried for ever.
      const refusal =
        'UNAUTHORIZED: the server refused a guest token (HTTP 403): origin not allowed: ' +
        `http://127.0.0.1:${t.port} is not among the server's allowedOrigins`;
      expect(outcome).toEqual({ errors: [], closed: refusal, rejected: refusal });
      await page.close();
    } finally {
      await other.close();
    }
  });

  it("says what to check when the server serves no WebSocket at the URL's path", async () => {
    const page = await browser.newPage();
    await page.goto(t.httpUrl);
    const url = `${t.wsUrl.replace(/\/ws$/, '')}/game`;
    const outcome = await connectOnce(page, url);
    expect(outcome.errors).toEqual([
      `NODE_UNREACHABLE: could not open a WebSocket to ${url}: closed (1006) before it opened (the browser ` +
        "does not say why: no server answers there, its path is not the server's WebSocket path ('/ws' " +
        "unless the server's `path` option says otherwise), or the server refused this page's origin (its " +
        '`allowedOrigins`))',
    ]);
    expect(outcome.closed).toMatch(
      /^GAVE_UP: no connection after 0 reconnect attempts .*the last: could not open/,
    );
    await page.close();
  });
});
