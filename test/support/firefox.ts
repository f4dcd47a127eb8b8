import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const FIREFOX_PATH = '/usr/lib/firefox-esr/firefox-esr';

export interface FirefoxOptions {
  /**
   * Origins (e.g. `http://127.0.0.1:PORT`, with the server's real port) that get a stored microphone
   * permission. Firefox gathers no ICE candidate in a loopback-only namespace without it, and BiDi has
   * no `overridePermissions`, so it must be known before launch.
   */
  microphoneOrigins: string[];
  /** More `about:config` preferences, over the ones below. */
  prefs?: Record<string, unknown>;
}

export interface LaunchedFirefox {
  browser: Browser;
  /** Closes the browser (puppeteer removes its temp profile) and removes the permission file. */
  close(): Promise<void>;
}

/**
 * Headless Firefox ESR driven by puppeteer-core over WebDriver BiDi, set up for WebRTC over loopback
 * with a fake microphone (see TESTING.md, "A second real browser").
 */
export async function launchFirefox(options: FirefoxOptions): Promise<LaunchedFirefox> {
  const dir = mkdtempSync(join(tmpdir(), 'vehikill-firefox-'));
  const permissions = join(dir, 'permissions.txt');
  writeFileSync(
    permissions,
    options.microphoneOrigins.map((origin) => `origin\tmicrophone\t1\t${origin}\n`).join(''),
  );
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      extraPrefsFirefox: {
        // Host candidates on loopback, exposed because the origin holds the microphone permission.
        'media.peerconnection.ice.loopback': true,
        'permissions.manager.defaultsUrl': pathToFileURL(permissions).href,
        // Pages in their own browser contexts still see the stored permission.
        'permissions.isolateBy.userContext': false,
        // A fake microphone (a tone), granted without a prompt.
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
        // Headless Firefox has no audio backend: AudioContext and playback need the mock one.
        'media.cubeb.force_mock_context': true,
        // Remote voices play without a user gesture.
        'media.autoplay.default': 0,
        ...options.prefs,
      },
    });
    return {
      browser,
      async close() {
        try {
          await browser.close();
        } finally {
          removeDir();
        }
      },
    };
  } catch (error) {
    removeDir();
    throw error;
  }
}

/** Collects console errors and uncaught page errors (puppeteer's events), like `watchErrors` for Chromium. */
export function watchFirefoxErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error instanceof Error ? error.message : String(error)));
  return errors;
}
