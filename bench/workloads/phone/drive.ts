/**
 * Keeps the page's own car moving, so its inputs go out and prediction and reconciliation run: ArrowUp
 * held throughout, and a turn now and then (left, then right) so the path bends rather than hitting a wall
 * and staying there. Keyboard events on window, as a player's keys reach the game.
 */
import type { Page } from 'playwright-core';

export function startDriving(page: Page): Promise<void> {
  return page.evaluate(() => {
    const held = new Set<string>();
    const press = (code: string, down: boolean) => {
      if (down === held.has(code)) return;
      if (down) held.add(code);
      else held.delete(code);
      window.dispatchEvent(new KeyboardEvent(down ? 'keydown' : 'keyup', { code, bubbles: true }));
    };
    const started = performance.now();
    setInterval(() => {
      // A 3 s cycle: 0.6 s left, 0.9 s straight, 0.6 s right, 0.9 s straight.
      const phase = ((performance.now() - started) / 1000) % 3;
      press('ArrowUp', true);
      press('ArrowLeft', phase < 0.6);
      press('ArrowRight', phase >= 1.5 && phase < 2.1);
    }, 50);
  });
}
