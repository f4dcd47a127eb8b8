/**
 * A player's page on a throttled CPU: the real game server (as `npm start` runs it) in its own process,
 * one headless Chromium page in a private match of 16 players, its own car driven with keyboard events.
 * The 15 others are the match benchmark's bot players (vehikill/bots.ts: real clients over WebSockets,
 * pinned to core 1), not the room's server bots: a room fills with server bots up to 15 players at most,
 * and players' clients also send the page their mesh traffic, as people would. For each CDP CPU throttling rate (1: this machine; 4: Lighthouse's
 * mid-range phone; 6: a low-end phone; the rate slows the page's main thread, it is no real phone), after
 * a warm-up: frames drawn per second, the page's frame time (update + draw), the main thread's busy share,
 * and from a short CPU profile the share of the networking library's code (src/) in the bundle.
 * Alone: `npm run build && node dist/bench/workloads/phone-page.js`.
 */
import { readFileSync } from 'node:fs';
import type { SourceMapPayload } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Row } from '../results.js';
import { launchChromium } from './browser/page.js';
import { PinnedProcess } from './ccu/pinned-process.js';
import { bundleClassifier } from './phone/bundle-origin.js';
import { startDriving } from './phone/drive.js';
import { startGameServer } from './phone/game-server.js';
import { measureRate, type RateTiming } from './phone/measure-rate.js';
import { openMatch } from './phone/open-match.js';
import { rateRows } from './phone/rate-rows.js';
import { countSends } from './phone/send-counts.js';
import type { MatchBotsRequest } from './vehikill/bots.js';

/** The page bundle's source map, as scripts/bundle-web.mjs writes it. */
const SOURCE_MAP = fileURLToPath(new URL('../../game/web/main.js.map', import.meta.url));

export async function benchPhonePage(
  rates: readonly number[] = [1, 4, 6],
  players = 16,
  timing: RateTiming = { warmupMs: 5_000, windowMs: 15_000, profileMs: 3_000 },
): Promise<Row[]> {
  const classify = bundleClassifier(
    JSON.parse(readFileSync(SOURCE_MAP, 'utf8')) as SourceMapPayload,
    '/main.js',
    'dist/game/web',
  );
  const server = await startGameServer();
  const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws`;
  const { process: bots, ready } = await PinnedProcess.start<MatchBotsRequest>('../vehikill/bots.js', 1, [
    wsUrl,
    String(players - 1),
    String(players),
  ]);
  const browser = await launchChromium();
  try {
    const { page, errors } = await openMatch(browser, server.url, String(ready.code));
    await startDriving(page);
    await countSends(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('Profiler.enable');
    const rows: Row[] = [];
    for (const rate of rates) {
      rows.push(...rateRows(await measureRate(page, cdp, rate, timing, classify), players));
      // A page put out of the match (kicked, say) draws no frames: say why rather than leave zeros unexplained.
      if (!(await page.getByTestId('game').isVisible())) {
        const status = await page.getByTestId('status').textContent();
        console.warn(`phone-page: at ${rate}x the page had left the match; its status: ${status}`);
      }
    }
    const state = await page.getByTestId('connection').getAttribute('data-state');
    if (state !== 'open') console.warn(`phone-page: the page's connection ended ${state}`);
    if (errors.length > 0) console.warn(`phone-page: the page reported errors:\n${errors.join('\n')}`);
    return rows;
  } finally {
    await browser.close();
    await bots.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchPhonePage()) {
    console.log(`| ${row.workload} | ${row.metric} | ${row.value.toFixed(3)} | ${row.unit} |`);
  }
  process.exit(0);
}
