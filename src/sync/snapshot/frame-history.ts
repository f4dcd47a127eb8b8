import { sameCodes } from '../state-codes.js';
import type { WorldFrame } from './entity-table.js';

/** Frames a shared body can be built against; a client in step at an older frame goes per-client. */
const MAX_BASE_AGE = 4096;

/**
 * The frames a world's encoders send, in the order they are first seen, and what changed between them:
 * for each live entity the index of the last frame where its codes differed from the frame before
 * (its spawn counts), and which entities disappeared in which frame. That is what a shared body needs:
 * a client in step at frame `a` may hold, from any snapshot sent since, only values that entities had in
 * frames after `a`, so "changed since `a`" and "removed since `a`" cover every copy it can hold.
 * Changes that were reverted between two frames were never sent, so they are not counted.
 */
export class FrameHistory {
  #latest: WorldFrame | undefined;
  #latestIndex = -1;
  readonly #indices = new WeakMap<WorldFrame, number>();
  readonly #changedAt = new Map<number, number>();
  /** Removals in frame order: ids, and the index of the frame they were gone from; oldest first. */
  #removedIds: number[] = [];
  #removedAt: number[] = [];

  /** The index of the newest frame. */
  get latestIndex(): number {
    return this.#latestIndex;
  }

  /** The oldest frame index a shared body can still be built against. */
  get oldestBase(): number {
    return this.#latestIndex - MAX_BASE_AGE;
  }

  /**
   * The frame's index; a frame not seen before becomes the newest (frames are expected in time order,
   * as `EntityTable.frame` makes them). O(entities) once per new frame.
   */
  see(frame: WorldFrame): number {
    const known = this.#indices.get(frame);
    if (known !== undefined) return known;
    const index = this.#latestIndex + 1;
    const previous = this.#latest?.entities;
    let kept = 0;
    for (const [id, record] of frame.entities) {
      const before = previous?.get(id);
      if (before === undefined || before.type !== record.type) {
        this.#changedAt.set(id, index);
        continue;
      }
      kept++;
      // EntityTable keeps the codes array while the state is unchanged: the identity test is the usual one.
      if (before.codes !== record.codes && !sameCodes(record.type, before.codes, record.codes)) {
        this.#changedAt.set(id, index);
      }
    }
    if (previous !== undefined && kept < previous.size) {
      for (const id of previous.keys()) {
        if (frame.entities.has(id)) continue;
        this.#removedIds.push(id);
        this.#removedAt.push(index);
        this.#changedAt.delete(id);
      }
    }
    this.#latest = frame;
    this.#latestIndex = index;
    this.#indices.set(frame, index);
    this.#forgetOld();
    return index;
  }

  /** True when the entity's codes differed between two frames after frame `base` (or it is newer). */
  changedSince(id: number, base: number): boolean {
    return (this.#changedAt.get(id) ?? Number.POSITIVE_INFINITY) > base;
  }

  /** Ids gone from a frame after frame `base`, in the order they went (an id may recur). */
  removedSince(base: number): number[] {
    const at = this.#removedAt;
    let low = 0;
    let high = at.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((at[middle] as number) <= base) low = middle + 1;
      else high = middle;
    }
    return this.#removedIds.slice(low);
  }

  #forgetOld(): void {
    const oldest = this.oldestBase;
    let drop = 0;
    while (drop < this.#removedAt.length && (this.#removedAt[drop] as number) <= oldest) drop++;
    // Dropped in batches, so the arrays are not shifted every frame.
    if (drop > 256 || (drop > 0 && drop === this.#removedAt.length)) {
      this.#removedIds = this.#removedIds.slice(drop);
      this.#removedAt = this.#removedAt.slice(drop);
    }
  }
}
