import { DEFAULT_MAX_DELAY_INTERVALS } from 'vehikill-net/netcode';
import { DEFAULT_MAX_INTERP_DELAY_MS } from './authority.js';

/**
 * How far back the snapshot rates a player was sent at size its delay allowance (ms). After the rate
 * rises, a client's interval estimate (the median of its recent arrivals) follows within about a
 * second, and its delay comes down with a 3 s time constant: from three 10 Hz intervals to the default
 * cap takes about 5 s more. Rates recover 1 Hz a second, so the window mostly sees the slowest anyway.
 */
export const DELAY_RATE_WINDOW_MS = 10_000;

/** The client measures the interval from arrivals: a little longer than the nominal one under jitter. */
const INTERVAL_SLACK = 1.1;

/**
 * The largest interpolation delay an honest client may claim when the slowest snapshot rate it was sent
 * at lately is `lowestRateHz`: its delay is at most three snapshot intervals (AdaptiveDelay's default),
 * and never held below `floorMs` (the server's cap at full rate).
 */
export function honestDelayCapMs(lowestRateHz: number, floorMs: number): number {
  if (!(lowestRateHz > 0)) return floorMs;
  return Math.max(floorMs, (DEFAULT_MAX_DELAY_INTERVALS * 1000 * INTERVAL_SLACK) / lowestRateHz);
}

/** Where the rates come from: `RoomSync`, or anything that remembers what it sent each player at. */
export interface RecentRates<P> {
  lowestRateHz(player: P, since: number): number;
}

/**
 * `ArenaAuthority`'s `maxInterpDelayFor` for a server whose snapshot rates vary per player (adaptive
 * rates): `honestDelayCapMs` of the slowest rate of the last `DELAY_RATE_WINDOW_MS`, at `now()` on the
 * clock `rates` keeps time by.
 */
export function delayCapByRecentRates<P>(
  rates: RecentRates<P>,
  now: () => number,
  floorMs = DEFAULT_MAX_INTERP_DELAY_MS,
): (player: P) => number {
  return (player) => honestDelayCapMs(rates.lowestRateHz(player, now() - DELAY_RATE_WINDOW_MS), floorMs);
}
