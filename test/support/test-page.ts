import type { BrowserContext } from 'playwright-core';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import { watchErrors } from './browser.js';
import { watchFirefoxErrors } from './firefox.js';

/** Runs a function in a page; the same shape for a playwright (Chromium) and a puppeteer (Firefox) page. */
export type Run = <A, R>(fn: (arg: A) => R, arg: A) => Promise<Awaited<R>>;

/** A page of either browser, driven the same way. */
export interface TestPage {
  name: string;
  run: Run;
  errors: string[];
  close(): Promise<void>;
}

export async function openChromiumPage(context: BrowserContext, url: string): Promise<TestPage> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(url);
  return {
    name: 'chromium',
    run: ((fn, arg) => page.evaluate(fn as never, arg)) as Run,
    errors,
    close: () => page.close(),
  };
}

export async function openFirefoxPage(browser: PuppeteerBrowser, url: string): Promise<TestPage> {
  const page = await browser.newPage();
  const errors = watchFirefoxErrors(page);
  await page.goto(url);
  return {
    name: 'firefox',
    run: ((fn, arg) => page.evaluate(fn as never, arg)) as Run,
    errors,
    close: () => page.close(),
  };
}
