import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser.js';

/**
 * A headless Chromium whose page can really be hidden, throttled and frozen, as a player's tab is.
 *
 * What was found on this machine (Chromium 156, headless): a page playwright opens stays visible
 * whatever is done to it (another tab brought to the front, its window minimized, CDP
 * `Page.setWebLifecycleState({state: 'frozen'})`: it answers without error and nothing changes),
 * because playwright turns on `Emulation.setFocusEmulationEnabled` for every page it opens, and an
 * emulated focus keeps the page visible. Its default switches also turn off timer throttling and
 * renderer backgrounding. A Chromium started here (no such switches) and attached with
 * `connectOverCDP(..., {noDefaults: true})`, whose first page playwright leaves without focus emulation,
 * behaves as a player's browser does: minimizing the window makes the page `hidden`
 * (`visibilitychange` fires, animation frames stop, timers run about once a second).
 *
 * Freezing: `setWebLifecycleState('frozen')` froze such a hidden page (`freeze` fired, no timer ran)
 * when it was a bare page, even with a WebSocket and an RTCPeerConnection open, but not the game's page
 * in a match, with voice or without (its timers ran on; it holds audio connections to its peers, which
 * is probably what exempts it); neither did `Debugger.pause` from a second CDP session stop them. A phone's
 * browser, a laptop's sleep or Safari stop such a page all the same, so `freezeFor` holds the page's
 * main thread in a loop for the time given: no timer, animation frame or socket event of the page runs
 * meanwhile, while the browser's network stack goes on as in a frozen tab (sockets stay open, what
 * arrives waits for the page). It costs a core for that long.
 */
export interface LifecycleBrowser {
  readonly browser: Browser;
  /** The browser's one page (its default context: own storage, own session). */
  readonly page: Page;
  /** Hides the page (its window minimized): throttled, no animation frames. */
  hide(): Promise<void>;
  /** Shows the page again. */
  show(): Promise<void>;
  /**
   * Hides the page, then stops its JavaScript for `ms` (no timer, animation frame or socket event runs;
   * what arrives waits), then lets it run and shows it again. Resolves once it is shown.
   */
  freezeFor(ms: number): Promise<void>;
  close(): Promise<void>;
}

function devToolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let said = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const match = /DevTools listening on (ws:\S+)/.exec(said);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}) before listening: ${said}`)));
  });
}

export async function launchLifecycleChromium(extraArgs: string[] = []): Promise<LifecycleBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'lifecycle-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS,
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      // Plays nothing, as playwright's headless Chromium: a page here that played the other player's
      // voice had its echo canceller, hearing both talk at once all the time, cut its own microphone
      // down to a murmur (the other player heard it in 2-4 of 10 readings).
      '--mute-audio',
      ...extraArgs,
      'about:blank',
    ],
    // Its own process group, so that closing ends its helper processes too (see `close`).
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const browser = await chromium.connectOverCDP(await devToolsUrl(child), { noDefaults: true });
  const context = browser.contexts()[0];
  const page = context?.pages()[0] ?? (await context?.newPage());
  if (!context || !page) throw new Error('chromium has no page');
  const cdp: CDPSession = await context.newCDPSession(page);
  const { windowId } = (await cdp.send('Browser.getWindowForTarget')) as { windowId: number };
  const windowState = async (state: 'minimized' | 'normal') => {
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: state } });
  };
  return {
    browser,
    page,
    hide: () => windowState('minimized'),
    show: () => windowState('normal'),
    async freezeFor(ms: number) {
      await windowState('minimized');
      // The page hears it is hidden first, as a tab frozen in the background did.
      // Polled by a timer: a hidden page runs no animation frames.
      await page.waitForFunction(() => document.visibilityState === 'hidden', undefined, { polling: 50 });
      await page.evaluate((until) => {
        while (Date.now() < until) {
          // The main thread is held: nothing else of the page runs meanwhile.
        }
      }, Date.now() + ms);
      await windowState('normal');
    },
    async close() {
      await browser.close().catch(() => {});
      const exited = new Promise((resolve) =>
        child.exitCode === null && child.signalCode === null ? child.once('exit', resolve) : resolve(null),
      );
      signalGroup(child, 'SIGTERM');
      await exited;
      // A helper process outliving the browser by a moment still wrote to the profile while it was
      // removed (ENOTEMPTY failed a test's cleanup): the whole group goes before the folder does.
      signalGroup(child, 'SIGKILL');
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Signals every process of the child's group (it was spawned detached); gone already is fine. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
