import { type Browser, chromium, type Page } from 'playwright-core';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../bench/workloads/browser/chromium.js';

export { CHROMIUM_ARGS, CHROMIUM_PATH, playerArgs } from '../../bench/workloads/browser/chromium.js';
export { writeSpeechLikeWav } from '../../bench/workloads/browser/speech-like-wav.js';

/** Headless Chromium as this machine runs it (see TESTING.md). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Collects console errors and uncaught page errors, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
