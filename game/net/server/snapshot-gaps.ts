import { TICK_MS } from '../protocol/timeline.js';

/** A gap between two snapshots sent to one player, stamped with the later one's tick. */
interface Gap {
  readonly tick: number;
  readonly ticks: number;
}

/**
 * The gaps between the snapshots the server actually sent each player, on the tick timeline: what an
 * honest client measures its snapshot interval from (snapshots carry their tick, and their sequence
 * numbers tell it a lost one from a longer gap). A server that stalls sends further apart than its
 * nominal rate; this sees it, the rate does not.
 */
export class SnapshotGaps<P> {
  readonly #keepTicks: number;
  readonly #players = new Map<P, { lastTick: number; gaps: Gap[] }>();

  /** `keepMs`: how far back `longestMs` may be asked (older gaps are dropped). */
  constructor(keepMs: number) {
    this.#keepTicks = Math.ceil(keepMs / TICK_MS);
  }

  /** A snapshot of `tick` went to `player`. */
  sent(player: P, tick: number): void {
    const seen = this.#players.get(player);
    if (seen === undefined) {
      this.#players.set(player, { lastTick: tick, gaps: [] });
      return;
    }
    if (tick <= seen.lastTick) return;
    seen.gaps.push({ tick, ticks: tick - seen.lastTick });
    seen.lastTick = tick;
    // At most one snapshot a tick, so this stays within `keepMs` worth of ticks.
    while ((seen.gaps[0] as Gap).tick < tick - this.#keepTicks) seen.gaps.shift();
  }

  /** The longest gap (ms) between snapshots sent to `player` that ended after `sinceTick`; 0 if none. */
  longestMs(player: P, sinceTick: number): number {
    let longest = 0;
    for (const gap of this.#players.get(player)?.gaps ?? []) {
      if (gap.tick > sinceTick && gap.ticks > longest) longest = gap.ticks;
    }
    return longest * TICK_MS;
  }

  forget(player: P): void {
    this.#players.delete(player);
  }
}
