import { type Clock, realClock } from 'vehikill-net/server';

/**
 * The real clock, which `stall(ms)` moves ahead at once: to a server given it, a stall of that long (its
 * rooms' loops owe the ticks and skip those past their catch-up). Keep stalls under the server's
 * heartbeat timeout, or its sessions time out too.
 */
export function stallingClock(): Clock & { stall(ms: number): void } {
  let ahead = 0;
  return {
    now: () => realClock.now() + ahead,
    setTimeout: (callback, delayMs) => realClock.setTimeout(callback, delayMs),
    stall: (ms) => {
      ahead += ms;
    },
  };
}
