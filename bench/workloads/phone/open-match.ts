/**
 * A player's page joining a private match by its code: the lobby's own controls (name, Connect, code, Join
 * by code), as a player would use them, then a wait until the page draws other cars.
 */
import type { Browser, Page } from 'playwright-core';
import type { PageHook } from './page-hook.js';

export interface MatchPage {
  page: Page;
  /** Console errors and uncaught exceptions of the page, to report. */
  errors: string[];
}

export async function openMatch(browser: Browser, url: string, code: string): Promise<MatchPage> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  // Without a media permission Chromium gathers no ICE candidate for the page's peer links on loopback.
  await context.grantPermissions(['microphone'], { origin: url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.getByTestId('name').fill('Phone');
  await page.getByTestId('connect').click();
  await page.getByTestId('lobby').waitFor({ state: 'visible' });
  await page.getByTestId('code').fill(code);
  await page.getByTestId('join-code').click();
  await page.getByTestId('game').waitFor({ state: 'visible' });
  await page.waitForFunction(
    () => ((window as unknown as { vehikill: PageHook }).vehikill.state()?.others.length ?? 0) > 0,
    undefined,
    { timeout: 15_000 },
  );
  return { page, errors };
}
