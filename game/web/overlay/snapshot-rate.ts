/**
 * The network overlay's snapshot rate: snapshots per second between two of its refreshes. The count is
 * the room's (`ArenaClient.synced.stats().snapshotsReceived`), which starts again from 0 in each room, so
 * a reading from another room (or a counter that went back) is a new baseline, not a difference: across
 * two rooms' counters the rate came out negative, or absurdly high.
 */
export class SnapshotRate {
  #last: { source: object; count: number; at: number } | undefined;
  #rate = Number.NaN;

  /**
   * The rate as of this reading of `source`'s counter at `now` (ms); NaN until two readings of one
   * source (the overlay shows a dash).
   */
  sample(source: object, count: number, now: number): number {
    const last = this.#last;
    if (!last || last.source !== source || count < last.count) this.#rate = Number.NaN;
    else if (now > last.at) this.#rate = ((count - last.count) * 1000) / (now - last.at);
    this.#last = { source, count, at: now };
    return this.#rate;
  }
}
