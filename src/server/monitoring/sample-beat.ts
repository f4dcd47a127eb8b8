import type { Cancel, Clock } from '../../common/index.js';

/**
 * Calls `callback(at)` on a fixed beat, `periodMs` apart from now on: `at` is the beat's own time,
 * however late the timer ran. `every` re-arms from when its callback ran, so each run's lateness (a ms
 * or more on Node, far more on a busy event loop) adds up: the one-second sample drifted through the
 * second and skipped one every few minutes idle, every few seconds under load, leaving gaps that an
 * alert's `forMs` window reads as "did not hold" (tick-over-budget went blind when the node was busiest).
 * Beats the loop stalled past are skipped, not run in a burst: those seconds are gaps, which is true.
 */
export function onBeat(clock: Clock, periodMs: number, callback: (at: number) => void): Cancel {
  if (!(periodMs > 0)) throw new RangeError(`onBeat() needs a positive period, got ${periodMs}`);
  let next = clock.now() + periodMs;
  let stopped = false;
  let cancelNext: Cancel = () => {};
  const arm = () => {
    cancelNext = clock.setTimeout(beat, Math.max(0, next - clock.now()));
  };
  const beat = () => {
    if (stopped) return;
    const late = clock.now() - next;
    if (late >= periodMs) next += Math.floor(late / periodMs) * periodMs;
    const at = next;
    next += periodMs;
    arm();
    callback(at);
  };
  arm();
  return () => {
    stopped = true;
    cancelNext();
  };
}
