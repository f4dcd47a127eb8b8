import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

let browser: Browser;
let t: TestServer;
let proxy: TcpProxy;

beforeAll(async () => {
  const dir = await buildClientPage();
  [browser, t] = await Promise.all([launchChromium(), startServer({ test: TestRoom }, { staticDir: dir })]);
  proxy = new TcpProxy(t.port);
  await proxy.listen();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await t?.close();
});

async function openClientPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(t.httpUrl);
  return { page, errors };
}

describe('the client in a real browser', () => {
  it("reconnects at once on the browser's online event instead of waiting out its backoff", async () => {
    const { page, errors } = await openClientPage();
    const wsUrl = `ws://127.0.0.1:${proxy.port}/ws`;
    await page.evaluate(async (url) => {
      const { Client } = (globalThis as never as { vehikill: typeof import('vehikill-net/client') }).vehikill;
      // Backoff of about a minute on the very first attempt: only the online event can bring it back fast.
      const client = new Client({ url, backoff: { baseMs: 60_000, maxMs: 60_000 }, random: () => 0.99 });
      const log: string[] = [];
      client.on('drop', () => log.push('drop'));
      client.on('reconnect', ({ resumed }) => log.push(`reconnect:${resumed}`));
      Object.assign(globalThis, { testClient: client, testLog: log });
      await client.connect();
      const room = await client.create('test');
      Object.assign(globalThis, { testRoom: room });
    }, wsUrl);

    proxy.block();
    await expect
      .poll(() => page.evaluate(() => (globalThis as never as { testLog: string[] }).testLog))
      .toEqual(['drop']);
    proxy.unblock();
    const started = Date.now();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect
      .poll(() => page.evaluate(() => (globalThis as never as { testLog: string[] }).testLog), {
        timeout: 5_000,
      })
      .toEqual(['drop', 'reconnect:true']);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a game opened offline connects at once on the browser's online event", async () => {
    const { page, errors } = await openClientPage();
    proxy.block();
    await page.evaluate(async (url) => {
      const { Client } = (globalThis as never as { vehikill: typeof import('vehikill-net/client') }).vehikill;
      const client = new Client({ url, backoff: { baseMs: 60_000, maxMs: 60_000 }, random: () => 0.99 });
      Object.assign(globalThis, { testClient: client });
      void client.connect().catch(() => {});
      // The first attempt fails (the network is gone): a backoff of about a minute follows.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }, `ws://127.0.0.1:${proxy.port}/ws`);
    proxy.unblock();
    const started = Date.now();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect
      .poll(
        () =>
          page.evaluate(() => (globalThis as never as { testClient: { state: string } }).testClient.state),
        {
          timeout: 5_000,
        },
      )
      .toBe('open');
    expect(Date.now() - started).toBeLessThan(3_000);
    // The attempts made while offline are the only failures the page may show.
    expect(errors.filter((error) => !error.startsWith('Failed to load resource'))).toEqual([]);
    await page.close();
  });

  it('connects without a word in the console: no warning, no error', async () => {
    const { page, errors } = await openClientPage();
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    const playerId = await page.evaluate(async (url) => {
      const { Client } = (globalThis as never as { vehikill: typeof import('vehikill-net/client') }).vehikill;
      const client = new Client({ url });
      await client.connect();
      const id = client.playerId;
      client.close();
      return id;
    }, t.wsUrl);
    expect(playerId).toBeTruthy();
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('derives the server URL from the page and fetches a guest token by itself', async () => {
    const { page } = await openClientPage();
    const urls = await page.evaluate(() => {
      const { RecordingSocket } = globalThis as never as { RecordingSocket: { opened: string[] } };
      const captured = RecordingSocket.opened;
      const { Client } = (globalThis as never as { vehikill: typeof import('vehikill-net/client') }).vehikill;
      const client = new Client({ WebSocket: RecordingSocket as never });
      void client.connect().catch(() => {});
      return new Promise<string[]>((resolve) => {
        const started = Date.now();
        const poll = () =>
          captured.length > 0 || Date.now() - started > 5_000 ? resolve(captured) : setTimeout(poll, 20);
        poll();
      });
    });
    expect(urls[0]).toMatch(new RegExp(`^${t.wsUrl}\\?token=[\\w-]+\\.[\\w-]+$`));
    await page.close();
  });
});
