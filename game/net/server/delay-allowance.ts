import { DEFAULT_MAX_DELAY_INTERVALS } from 'vehikill-net/netcode';

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
