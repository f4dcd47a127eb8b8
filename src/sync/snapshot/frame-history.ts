import { sameCodes } from '../state-codes.js';
import { entityShare, hashCodes } from './codes-hash.js';
import { type EntityRecord, frameMemo, keepFrameMemo, TableFrame, type WorldFrame } from './entity-table.js';
import { IdsByFrame } from './ids-by-frame.js';

/** Frames a shared body can be built against; a client in step at an older frame goes per-client. */
const MAX_BASE_AGE = 4096;

/**
 * A frame as the history keeps it: its entities as parallel arrays in ascending id order, and for each the
 * index of the last frame where its codes differed from the frame before. Shared bodies walk these arrays
 * side by side (the frame, the base, the predictor) instead of looking every id up in three Maps.
 */
export interface SeenFrame {
  readonly index: number;
  readonly ids: readonly number[];
  readonly records: readonly EntityRecord[];
  readonly changedAt: readonly number[];
  /**
   * Each entity's share of a snapshot checksum (`entityShare`), -1 until `shareAt` asks for it: carried
   * over from the frame before while the codes are the same, so a state is hashed once, not once per body.
   */
  readonly shares: number[];
}

/** The checksum share of the entity at `position` in the frame, hashed on first use. */
export function shareAt(frame: SeenFrame, position: number): number {
  const known = frame.shares[position] as number;
  if (known >= 0) return known;
  const share = entityShare(
    frame.ids[position] as number,
    hashCodes((frame.records[position] as EntityRecord).codes),
  );
  frame.shares[position] = share;
  return share;
}

/**
 * The frames a world's encoders send, in the order they are first seen, and what changed between them:
 * for each live entity the index of the last frame where its codes differed from the frame before
 * (its spawn counts), and which entities disappeared in which frame. That is what a shared body needs:
 * a client in step at frame `a` may hold, from any snapshot sent since, only values that entities had in
 * frames after `a`, so "changed since `a`" and "removed since `a`" cover every copy it can hold.
 * Changes that were reverted between two frames were never sent, so they are not counted.
 */
export class FrameHistory {
  #latest: SeenFrame | undefined;
  /** Frames not made by an EntityTable (or seen by another history first): their SeenFrame. */
  readonly #seen = new WeakMap<WorldFrame, SeenFrame>();
  /** Removals: each id and the index of the frame it was gone from. */
  readonly #removals = new IdsByFrame();
  /**
   * Returns: each id held by a frame that the frame before did not hold and not above every id seen
   * before (one back in a view, or a new entity with a low id from frames not made by an EntityTable,
   * whose ids only count up), and the index of that frame. Empty without views.
   */
  readonly #returns = new IdsByFrame();
  /** The highest id any frame held. */
  #maxId = -1;

  /** The index of the newest frame. */
  get latestIndex(): number {
    return this.#latest?.index ?? -1;
  }

  /** The oldest frame index a shared body can still be built against. */
  get oldestBase(): number {
    return this.latestIndex - MAX_BASE_AGE;
  }

  /**
   * The frame's index; a frame not seen before becomes the newest (frames are expected in time order,
   * as `EntityTable.frame` makes them). O(entities) once per new frame.
   */
  see(frame: WorldFrame): number {
    return this.seen(frame).index;
  }

  /** `see`, and the frame as kept. */
  seen(frame: WorldFrame): SeenFrame {
    const known = this.kept(frame);
    if (known !== undefined) return known;
    const index = this.latestIndex + 1;
    const { ids, records } = sortedEntities(frame);
    const changedAt: number[] = new Array(ids.length);
    const shares: number[] = new Array(ids.length);
    const previous = this.#latest;
    const previousIds = previous?.ids ?? [];
    let at = 0;
    for (let position = 0; position < ids.length; position++) {
      const id = ids[position] as number;
      while (at < previousIds.length && (previousIds[at] as number) < id)
        this.#removed(previousIds[at++] as number, index);
      const record = records[position] as EntityRecord;
      const held = previousIds[at] === id;
      if (!held && id <= this.#maxId) this.#returns.add(id, index);
      const before = held ? (previous as SeenFrame).records[at++] : undefined;
      // EntityTable keeps the codes array while the state is unchanged: the identity test is the usual one.
      if (
        before !== undefined &&
        before.type === record.type &&
        (before.codes === record.codes || sameCodes(record.type, before.codes, record.codes))
      ) {
        changedAt[position] = (previous as SeenFrame).changedAt[at - 1] as number;
        shares[position] = (previous as SeenFrame).shares[at - 1] as number;
      } else {
        changedAt[position] = index;
        shares[position] = -1;
      }
    }
    while (at < previousIds.length) this.#removed(previousIds[at++] as number, index);
    const highest = ids[ids.length - 1];
    if (highest !== undefined && highest > this.#maxId) this.#maxId = highest;
    const seen = { index, ids, records, changedAt, shares };
    this.#latest = seen;
    if (!(frame instanceof TableFrame && keepFrameMemo(frame, this, seen))) this.#seen.set(frame, seen);
    this.#forgetOld();
    return seen;
  }

  /** The frame as kept, when it was seen (and is still referenced). */
  kept(frame: WorldFrame): SeenFrame | undefined {
    if (frame instanceof TableFrame) {
      const memo = frameMemo(frame, this) as SeenFrame | undefined;
      if (memo !== undefined) return memo;
    }
    return this.#seen.get(frame);
  }

  /** Ids gone from a frame after frame `base`, in the order they went (an id may recur). */
  removedSince(base: number): number[] {
    return this.#removals.since(base);
  }

  /**
   * Ids held again after frame `base` by a frame whose predecessor did not hold them (see `#returns`), or
   * undefined when none (always without views). An entity in frame `base` and in the newest frame was gone
   * in between exactly when it is among them: a client may have dropped it, so it goes in full.
   */
  returnedSince(base: number): ReadonlySet<number> | undefined {
    if (this.#returns.size === 0) return undefined;
    const ids = this.#returns.since(base);
    return ids.length === 0 ? undefined : new Set(ids);
  }

  #removed(id: number, index: number): void {
    this.#removals.add(id, index);
  }

  #forgetOld(): void {
    const oldest = this.oldestBase;
    this.#removals.forgetThrough(oldest);
    this.#returns.forgetThrough(oldest);
  }
}

/** The frame's entities in ascending id order (EntityTable's frames are already: ids count up). */
function sortedEntities(frame: WorldFrame): { ids: readonly number[]; records: readonly EntityRecord[] } {
  if (frame instanceof TableFrame) return frame;
  const ids: number[] = [];
  const records: EntityRecord[] = [];
  let ascending = true;
  for (const [id, record] of frame.entities) {
    if (ids.length > 0 && id < (ids[ids.length - 1] as number)) ascending = false;
    ids.push(id);
    records.push(record);
  }
  if (ascending) return { ids, records };
  const order = ids.map((_, position) => position).sort((a, b) => (ids[a] as number) - (ids[b] as number));
  return {
    ids: order.map((position) => ids[position] as number),
    records: order.map((position) => records[position] as EntityRecord),
  };
}
