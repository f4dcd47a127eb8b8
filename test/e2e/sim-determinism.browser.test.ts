import type { Browser as ChromiumBrowser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeterminismScript, runGameDeterminismScript } from '../../game/sim/index.js';
import { launchChromium } from '../support/browser.js';
import { type LaunchedFirefox, launchFirefox } from '../support/firefox.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';
import { buildSimDeterminismPage, type SimDeterminismGlobal } from '../support/sim-bundle.js';
import { openChromiumPage, openFirefoxPage, type TestPage } from '../support/test-page.js';

let chromium: ChromiumBrowser;
let firefox: LaunchedFirefox;
let t: TestServer;
let node: { world: number[]; game: number[] };

/** Both determinism scripts' per-tick hashes, computed in the page's JS engine. */
const hashesIn = (page: TestPage) =>
  page.run(() => {
    const sim = (globalThis as never as { simDeterminism: SimDeterminismGlobal }).simDeterminism;
    return { world: sim.world(), game: sim.game() };
  }, undefined);

/** The first tick whose hash differs, for a failure message that says where the engines part. */
function firstDifference(actual: readonly number[], expected: readonly number[]): number | undefined {
  const index = expected.findIndex((hash, tick) => actual[tick] !== hash);
  return index < 0 && actual.length === expected.length ? undefined : index;
}

describe.skipIf(!isolated)(
  'the simulation is deterministic across engines (Node, Chromium, Firefox ESR)',
  {
    timeout: 60_000,
  },
  () => {
    beforeAll(async () => {
      node = { world: runDeterminismScript(), game: runGameDeterminismScript() };
      const dir = await buildSimDeterminismPage();
      t = await startServer({}, { staticDir: dir });
      [chromium, firefox] = await Promise.all([launchChromium(), launchFirefox({ microphoneOrigins: [] })]);
    }, 60_000);

    afterAll(async () => {
      await Promise.allSettled([chromium?.close(), firefox?.close()]);
      await t?.close();
    });

    const engines: [string, () => Promise<TestPage>][] = [
      ['Chromium', async () => openChromiumPage(await chromium.newContext(), t.httpUrl)],
      ['Firefox ESR', () => openFirefoxPage(firefox.browser, t.httpUrl)],
    ];

    for (const [name, open] of engines) {
      it(`${name} gives Node's hash on every tick of the world and the game scripts`, async () => {
        const page = await open();
        try {
          const browser = await hashesIn(page);
          expect(firstDifference(browser.world, node.world), 'first world tick that differs').toBeUndefined();
          expect(firstDifference(browser.game, node.game), 'first game tick that differs').toBeUndefined();
          expect(browser).toEqual(node);
          expect(page.errors).toEqual([]);
        } finally {
          await page.close();
        }
      });
    }
  },
);
