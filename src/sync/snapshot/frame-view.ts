import { type EntityRecord, TableFrame, type WorldFrame } from './entity-table.js';

/** Whether an entity is in a client's view: interest management (fog of war, distance, teams). */
export type Visibility = (id: number, entity: EntityRecord) => boolean;

/**
 * The part of `frame` a client sees: the entities `visible` keeps, in ascending id order, at the same tick.
 * Encode a client's snapshots from its view and its client holds only those: an entity that leaves the
 * view is sent as a removal, and one that comes back is sent in full (never as a delta against a copy the
 * client may have dropped). Clients that see alike can share one view per tick, and one SharedSnapshots
 * for their views (a SharedSnapshots must only ever see one view's frames: its history is of them).
 */
export function frameView(frame: WorldFrame, visible: Visibility): TableFrame {
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
    return new TableFrame(frame.tick, ids, records);
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
  return new TableFrame(frame.tick, ids, records);
}
