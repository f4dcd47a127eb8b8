import { type EntityRecord, TableFrame, type WorldFrame } from './entity-table.js';
import { hasId } from './sorted-ids.js';
import { RecordKind } from './wire.js';

/** Whether an entity is in a client's view: interest management (fog of war, distance, teams). */
export type Visibility = (id: number, entity: EntityRecord) => boolean;

/**
 * The part of `frame` a client sees: the entities `visible` keeps, in ascending id order, at the same tick.
 * Encode a client's snapshots from its view and its client holds only those: an entity that leaves the
 * view is sent as a removal, and one that comes back is sent in full (never as a delta against a copy the
 * client may have dropped). Clients that see alike can share one view per tick, and one SharedSnapshots
 * for their views (a SharedSnapshots must only ever see one view's frames: its history is of them).
 * The view keeps the whole frame (`whole`, the same one for a view of a view), so that a removal can say
 * whether the entity left the view or the world.
 */
export function frameView(frame: WorldFrame, visible: Visibility): TableFrame {
  const whole = frame.whole ?? frame;
  if (frame instanceof TableFrame) {
    const all = frame.ids;
    const allRecords = frame.records;
    // Made at the frame's size and cut to what was kept: grown by pushes, they left copies behind.
    const ids: number[] = new Array(all.length);
    const records: EntityRecord[] = new Array(all.length);
    let kept = 0;
    for (let index = 0; index < all.length; index++) {
      const id = all[index] as number;
      const record = allRecords[index] as EntityRecord;
      if (visible(id, record)) {
        ids[kept] = id;
        records[kept++] = record;
      }
    }
    ids.length = kept;
    records.length = kept;
    return new TableFrame(frame.tick, ids, records, whole);
  }
  const ids: number[] = [];
  const records: EntityRecord[] = [];
  const sorted = [...frame.entities.keys()].sort((a, b) => a - b);
  for (const id of sorted) {
    const record = frame.entities.get(id) as EntityRecord;
    if (visible(id, record)) {
      ids.push(id);
      records.push(record);
    }
  }
  return new TableFrame(frame.tick, ids, records, whole);
}

/**
 * The record of a removal of `id`, an entity the client may hold and `frame` does not: `leave` when the
 * entity is still in the whole world's frame (it only left the client's view), `remove` otherwise. Asked
 * only for removals, and answered at once without a view (no `whole`).
 *
 * Asked of the frame being sent, not of the one the entity first went missing from: a removal sent again
 * (it was not acked yet) of an entity that left the view and was destroyed since says `remove`. A client
 * that missed the first one learns that the entity is gone for good; one that applied it holds nothing of
 * the entity and ignores the second.
 */
export function removalKind(frame: WorldFrame, id: number): RecordKind {
  const whole = frame.whole;
  if (whole === undefined) return RecordKind.remove;
  return holds(whole, id) ? RecordKind.leave : RecordKind.remove;
}

/** Whether the frame holds `id`: a binary search in a table frame's ids, no Map built for it. */
export function holds(frame: WorldFrame, id: number): boolean {
  return frame instanceof TableFrame ? hasId(frame.ids, id) : frame.entities.has(id);
}
