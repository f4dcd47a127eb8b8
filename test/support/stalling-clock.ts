import { type Cancel, type Clock, realClock } from 'vehikill-net/server';

/**
 * The real clock, with two ways to stall the server given it (keep stalls under its heartbeat timeout, or
 * its sessions time out too):
 * - `stall(ms)` moves its time ahead at once: its rooms' loops owe that long's ticks and skip those past
 *   their catch-up, and its time stays that far ahead of its players' clocks (which follow it slowly);
 * - `hold(ms)` keeps its timers from running for that long while time goes on: its loops run nothing and
 *   then catch up, as a stalled process does, but its sockets are read meanwhile (a stalled process reads
 *   them after), and its players' clocks stay right.
 */
export function stallingClock(): Clock & { stall(ms: number): void; hold(ms: number): void } {
  let ahead = 0;
  let heldUntil = Number.NEGATIVE_INFINITY;
  const now = () => realClock.now() + ahead;
  return {
    now,
    setTimeout: (callback, delayMs) => {
      let cancel: Cancel;
      const due = () => {
        const held = heldUntil - now();
        if (held > 0) cancel = realClock.setTimeout(due, held);
        else callback();
      };
      cancel = realClock.setTimeout(due, delayMs);
      return () => cancel();
    },
    stall: (ms) => {
      ahead += ms;
    },
    hold: (ms) => {
      heldUntil = Math.max(heldUntil, now() + ms);
    },
  };
}
