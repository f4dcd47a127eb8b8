import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { startServer, type TestServer } from '../support/server.js';

const ADMIN = 'dashboard-admin-token-0123456789';
let browser: Browser;
let t: TestServer;
beforeAll(async () => {
  [browser, t] = await Promise.all([
    launchChromium(),
    startServer({ arena: TestRoom }, { adminToken: ADMIN, serverLink: { enabled: false } }),
  ]);
  mkdirSync('test-output', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the operator dashboard in headless Chromium', () => {
  it('with the admin token shows the live rooms, their players and charts drawn from the history', async () => {
    const [ada, bob] = [t.client({ name: 'Ada' }), t.client({ name: 'Bob' })];
    await Promise.all([ada.connect(), bob.connect()]);
    const room = await ada.create('arena');
    await bob.join(room.roomId);

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.httpUrl}/dashboard?token=${ADMIN}`);
    // The token went into a cookie; the address bar no longer holds it.
    expect(new URL(page.url()).search).toBe('');
    const roomBox = page.locator(`[data-testid="room"][data-room-id="${room.roomId}"]`);
    await expect.poll(() => roomBox.count()).toBe(1);
    await expect.poll(() => roomBox.getByTestId('player').count()).toBe(2);
    expect(await roomBox.textContent()).toContain('Ada');
    expect(await roomBox.textContent()).toContain('Bob');

    // Live: a third player appears without a reload.
    const cy = t.client({ name: 'Cy' });
    await cy.connect();
    await cy.join(room.roomId);
    await expect.poll(() => roomBox.getByTestId('player').count(), { timeout: 5_000 }).toBe(3);

    // The history fills at one point a second; the charts redraw with it.
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const response = await fetch('/dashboard/api/state');
            const state = (await response.json()) as {
              history: { series: Record<string, (number | null)[]> };
            };
            return state.history.series.players?.filter((v) => v !== null).length ?? 0;
          }),
        { timeout: 10_000 },
      )
      .toBeGreaterThan(2);
    // uPlot draws into a canvas: the first series' line (its stroke colour, #2d6cdf) must be on it, which
    // needs at least two points: axes and grid alone are grey.
    await expect.poll(() => page.getByTestId('chart').count()).toBeGreaterThan(0);
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="chart"] canvas');
            const context2d = canvas?.getContext('2d');
            if (!canvas || !context2d) return 0;
            const { data } = context2d.getImageData(0, 0, canvas.width, canvas.height);
            let line = 0;
            for (let i = 0; i < data.length; i += 4) {
              const [r = 0, g = 0, b = 0] = [data[i], data[i + 1], data[i + 2]];
              if (Math.abs(r - 45) < 30 && Math.abs(g - 108) < 30 && Math.abs(b - 223) < 30) line++;
            }
            return line;
          }),
        { timeout: 5_000 },
      )
      .toBeGreaterThan(20);
    // With no cursor on it, a chart's legend shows the newest second (uPlot's own shows '--').
    // The first chart's legend: time, rooms, players, connections.
    // The newest second may have been sampled before Cy joined (on a loaded machine the history's points
    // lag the joins): the legend is waited on until a second with all three comes.
    const values = page.getByTestId('chart').first().locator('.u-legend .u-value');
    await expect
      .poll(async () => (await values.allTextContents()).slice(1), { timeout: 10_000 })
      .toEqual(['1', '3', '3']);
    await page.screenshot({ path: 'test-output/dashboard.png', fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("ends a player's session from its row: the player's client closes with the reason, the room sees it go", async () => {
    const [ada, bob] = [t.client({ name: 'Ada' }), t.client({ name: 'Bob' })];
    await Promise.all([ada.connect(), bob.connect()]);
    const room = await ada.create('arena');
    await bob.join(room.roomId);
    const leaves: string[] = [];
    room.on('member-leave', ({ reason }) => leaves.push(reason));
    const bobClosed = new Promise((resolve) => bob.on('closed', resolve));

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    // The operator confirms, with the reason the player is told.
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept('spawn camping');
    });
    await page.goto(`${t.httpUrl}/dashboard?token=${ADMIN}`);
    const roomBox = page.locator(`[data-testid="room"][data-room-id="${room.roomId}"]`);
    const bobRow = roomBox.getByTestId('player').filter({ hasText: 'Bob' });
    await expect.poll(() => bobRow.count()).toBe(1);
    await bobRow.getByTestId('end-session').click();

    expect(await bobClosed).toEqual({ code: 'SESSION_ENDED', message: 'spawn camping' });
    expect(asked).toEqual(["End Bob's session? The reason the player is told:"]);
    await expect.poll(() => page.getByTestId('action-status').textContent()).toBe("ended Bob's session");
    await expect.poll(() => roomBox.getByTestId('player').count(), { timeout: 5_000 }).toBe(1);
    expect(await roomBox.textContent()).not.toContain('Bob');
    await expect.poll(() => leaves).toEqual(['SESSION_ENDED']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('without the token shows the login form (401), and a wrong token is refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${t.httpUrl}/dashboard`);
    expect(response?.status()).toBe(401);
    await expect.poll(() => page.getByTestId('login').count()).toBe(1);
    expect(await page.getByTestId('rooms').count()).toBe(0);
    await page.locator('input[name="token"]').fill('not-the-admin-token');
    await page.locator('button[type="submit"]').click();
    await expect.poll(() => page.getByTestId('login-error').count()).toBe(1);
    const api = await page.evaluate(async () => (await fetch('/dashboard/api/state')).status);
    expect(api).toBe(401);
    // The right one, typed into the form, opens the dashboard.
    await page.locator('input[name="token"]').fill(ADMIN);
    await page.locator('button[type="submit"]').click();
    await expect.poll(() => page.getByTestId('rooms').count()).toBe(1);
    await context.close();
  });
});
