import { DEFAULT_MAX_DELAY_INTERVALS } from 'vehikill-net/netcode';
import { DEFAULT_MAX_INTERP_DELAY_MS } from './authority.js';

/**
 * How far back the snapshots a player was sent size its delay allowance (ms). After the interval
 * shortens, a client's interval estimate (the median of its recent arrivals) follows within about a
 * second, and its delay comes down with a 3 s time constant: from three 10 Hz intervals to the default
 * cap takes about 5 s more. Rates recover 1 Hz a second, so the window mostly sees the slowest anyway.
 */
export const DELAY_RATE_WINDOW_MS = 10_000;

/**
 * The most interpolation delay the server compensates, whatever the snapshots did (ms). A shot claiming
 * more is judged as if drawn this far back (not refused): with a round trip of up to 500 ms that still
 * lies inside the 1 s lag history, the most any shot is rewound. An honest client reaches it only when
 * its snapshots came over 150 ms apart for seconds.
 */
export const MAX_DELAY_ALLOWANCE_MS = 500;

/** The client measures the interval from arrivals: a little longer than the nominal one under jitter. */
const INTERVAL_SLACK = 1.1;

/**
 * The largest interpolation delay an honest client may claim when the slowest snapshot rate it was sent
 * at lately is `lowestRateHz`: its delay is at most three snapshot intervals (AdaptiveDelay's default),
 * never held below `floorMs` (the server's cap at full rate), never above MAX_DELAY_ALLOWANCE_MS.
 */
export function honestDelayCapMs(lowestRateHz: number, floorMs: number): number {
  if (!(lowestRateHz > 0)) return floorMs;
  return delayAllowanceMs(1000 / lowestRateHz, floorMs);
}

/**
 * The largest interpolation delay an honest client may claim when the longest snapshot interval it was
 * sent lately is `longestIntervalMs` (ms): three of them with 10 % slack, within [`floorMs`,
 * MAX_DELAY_ALLOWANCE_MS].
 */
export function delayAllowanceMs(longestIntervalMs: number, floorMs: number): number {
  const honest = Number.isFinite(longestIntervalMs)
    ? DEFAULT_MAX_DELAY_INTERVALS * longestIntervalMs * INTERVAL_SLACK
    : 0;
  return Math.min(Math.max(floorMs, MAX_DELAY_ALLOWANCE_MS), Math.max(floorMs, honest));
}

/** Where the rates come from: `RoomSync`, or anything that remembers what it sent each player at. */
export interface RecentRates<P> {
  lowestRateHz(player: P, since: number): number;
}

/**
 * What was really sent: the longest gap (ms) between the snapshots sent to a player in the last
 * `windowMs` (`ArenaAuthority.longestSnapshotGapMs`). A stalled server sends further apart than its rate.
 */
export type LongestSnapshotGap<P> = (player: P, windowMs: number) => number;

/**
 * `ArenaAuthority`'s `maxInterpDelayFor` for a server whose snapshots to a player may come further apart
 * than the base rate: by adaptive rates (the slowest rate of the last `DELAY_RATE_WINDOW_MS`, at `now()`
 * on the clock `rates` keeps time by) and, given `longestGap`, by its own stalls (the longest gap it
 * really left between snapshots to that player in that window). Three of the longer of the two.
 */
export function delayCapByRecentRates<P>(
  rates: RecentRates<P>,
  now: () => number,
  floorMs = DEFAULT_MAX_INTERP_DELAY_MS,
  longestGap?: LongestSnapshotGap<P>,
): (player: P) => number {
  return (player) => {
    const lowestRateHz = rates.lowestRateHz(player, now() - DELAY_RATE_WINDOW_MS);
    const byRate = lowestRateHz > 0 ? 1000 / lowestRateHz : 0;
    const sent = longestGap?.(player, DELAY_RATE_WINDOW_MS) ?? 0;
    return delayAllowanceMs(Math.max(byRate, sent), floorMs);
  };
}
