import { describe, expect, it } from 'vitest';
import {
  banner,
  cheatsOf,
  driveBob,
  frameTimesSince,
  lifecycleMatches,
  membersOf,
  sampleWhile,
  viewState,
} from '../support/lifecycle-match.js';

/**
 * A player away from the tab for longer: frozen past the seat's grace period (told so, and one step back
 * into the match), and hidden but running for 20 s (throttled, never cut off). Bob's page is really
 * hidden and frozen (see test/support/lifecycle-browser.ts).
 */

/** Browsers gather candidates on every interface: only run where nothing can leave loopback. */
const isolated = process.env.VEHIKILL_NET_ISOLATED === '1';

describe.skipIf(!isolated)('Vehikill: a tab away for long', () => {
  const match = lifecycleMatches();

  it('hidden 20 s: throttled, its car braked, never cut off; shown again it plays on', async () => {
    // No voice: a page playing audio is throttled less, and this one should be throttled as most are.
    const { server, metrics, ada, bob, life } = await match({ heartbeatMs: 5_000 }, { voice: false });
    const before = await viewState(bob.page);
    await bob.page.evaluate(() => {
      const page = window as unknown as { timerRuns: number };
      page.timerRuns = 0;
      setInterval(() => page.timerRuns++, 100);
    });
    await bob.page.getByTestId('arena').focus();
    await bob.page.keyboard.down('ArrowUp');

    await life.hide();
    const hiddenAt = Date.now();
    const runsAtHide = await bob.page.evaluate(() => (window as unknown as { timerRuns: number }).timerRuns);
    const hidden = new Promise((resolve) => setTimeout(resolve, 20_000));
    const seen = await sampleWhile(hidden, async () => ({
      at: Date.now() - hiddenAt,
      server: membersOf(server).join(),
      bobOnAda: (await viewState(ada.page))?.others[0],
    }));
    const runs =
      (await bob.page.evaluate(() => (window as unknown as { timerRuns: number }).timerRuns)) - runsAtHide;
    const frames = await bob.page.evaluate(() => window.vehikill.frameCount());
    await life.show();
    await bob.page.keyboard.up('ArrowUp');

    // Hidden, the page's timers ran about once a second (200 runs unthrottled).
    expect(runs).toBeLessThan(60);
    // The server kept it, and stopped its car (a hidden page sends no inputs; its car brakes).
    expect(seen.filter(({ server: members }) => members !== 'Ada,Bob')).toEqual([]);
    expect(metrics.total('heartbeat_timeouts_total')).toBe(0);
    expect(metrics.total('resumes_total')).toBe(0);
    const late = seen.filter(({ at }) => at > 10_000).map(({ bobOnAda }) => bobOnAda);
    expect(late.length).toBeGreaterThan(10);
    const [first] = late;
    for (const at of late)
      expect(Math.hypot((at?.x ?? 0) - (first?.x ?? 0), (at?.y ?? 0) - (first?.y ?? 0))).toBeLessThan(0.5);

    // Shown again: the same player, driving at once, with no long frame.
    expect(await driveBob(bob.page)).toBeGreaterThan(2);
    expect((await viewState(bob.page))?.playerId).toBe(before?.playerId);
    const times = await frameTimesSince(bob.page, frames);
    expect(Math.max(...times)).toBeLessThan(50);
    expect(await banner(bob.page)).not.toMatch(/lost|disconnected|reconnecting/i);
    expect(cheatsOf(server)).toEqual([]);
    expect(bob.errors).toEqual([]);
    expect(ada.errors).toEqual([]);
  }, 60_000);
});
