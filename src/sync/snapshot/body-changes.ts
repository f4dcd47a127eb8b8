import type { AnyEntityType } from '../entity.js';
import type { EntityCodes } from '../state-codes.js';
import { addShare } from './codes-hash.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import { type FrameHistory, type SeenFrame, shareAt } from './frame-history.js';
import { hasId } from './sorted-ids.js';
import { type TypeCoder, typeCoder } from './type-coder.js';

/**
 * A frame a client is in step at, with its index in the FrameHistory. `empty`: the client has acked
 * nothing yet (see `SharedSnapshots.emptyBase`); `frame` is then an empty stand-in, and `index` the first
 * frame it was sent, since which it may hold any entity.
 */
export interface BaseFrame {
  readonly frame: WorldFrame;
  readonly index: number;
  readonly empty?: boolean;
}

/** What a client that has acked nothing is taken to hold as its base: nothing, so all goes in full. */
const NOTHING_HELD: Pick<SeenFrame, 'ids' | 'records'> = { ids: [], records: [] };

/**
 * Per changed entity (by its index in `BodyChanges.ids`), what only the bodies being built read: no body
 * keeps these, so `SharedSnapshots` hands them back once the frame is done with and the next frame's
 * changes are written into them. New arrays per body were 8.5 KB a snapshot tick on the W2 arena (32
 * clients at 20 Hz, about 1.7 bodies a tick), an eighth of what the sync server allocated. Reused arrays
 * may be longer than the changes: read them by the index of an id, never to their length.
 */
export interface ChangeColumns {
  /** Deltas: the codes in the base frame; undefined: a full state. */
  readonly baselines: (EntityCodes | undefined)[];
  /** Deltas: the changed fields. */
  readonly masks: number[];
  /** Deltas of types with relative fields: the type's id; -1 otherwise. */
  readonly relativeTypeIds: number[];
  /** Deltas: the bits their masked relative fields take written plain (0 for types without any). */
  readonly plainBits: number[];
  /** Deltas: the bits their masked relative fields save written relative to their baselines. */
  readonly relativeSaved: number[];
}

/** Columns for a `bodyChanges` call, to be filled. */
export function newColumns(): ChangeColumns {
  return { baselines: [], masks: [], relativeTypeIds: [], plainBits: [], relativeSaved: [] };
}

/** Makes a frame's columns ready for reuse: the base frame's states they name are let go. */
export function releaseColumns(columns: ChangeColumns): void {
  columns.baselines.fill(undefined);
}

/**
 * What brings a client in step at a base frame to a newer frame, as parallel arrays in ascending id order
 * (a body is built from it and thrown away with the frame, so per-record objects would only be garbage).
 * It is the same whatever the predictor of the body written from it: the bodies of one (frame, base)
 * for clients that hold different predictors share one.
 */
export interface BodyChanges {
  readonly frame: WorldFrame;
  readonly base: BaseFrame;
  /** Changed and new entities (a body may keep these two). */
  readonly ids: readonly number[];
  readonly entities: readonly EntityRecord[];
  /** The rest of what is known of each, reused from frame to frame (see `ChangeColumns`). */
  readonly columns: ChangeColumns;
  /** Per type with relative fields: the bits its deltas save written relative to their baselines. */
  readonly saved: readonly number[];
  /** Entities gone since the base frame, ascending. */
  readonly removed: readonly number[];
  /** The records' part of the checksum: the sum of the changed entities' shares. */
  readonly share: number;
}

/**
 * Entities changed since the base frame (as deltas against their codes in it: the client's implied
 * baseline), entities new since (full states), and every entity gone since (harmless for one the client
 * never held). Against an empty base: every entity of the frame in full, and every entity gone since the
 * first frame the client was sent. Written into `columns` (see `ChangeColumns`).
 */
export function bodyChanges(
  registry: EntityRegistry,
  history: FrameHistory,
  frame: WorldFrame,
  base: BaseFrame,
  columns: ChangeColumns,
): BodyChanges {
  const now = history.seen(frame);
  const then = base.empty === true ? NOTHING_HELD : history.kept(base.frame);
  if (then === undefined) throw new Error('a shared body needs a base frame its history has seen');
  // The two frames' ids ascend: walked side by side rather than looked up.
  const { changedAt, records } = now;
  const frameIds = now.ids;
  const baseIds = then.ids;
  const since = base.index;
  // Which entities go: those changed since the base, or all of them when the client holds nothing.
  const after = base.empty === true ? -1 : since;
  // Entities back in the view since the base (none without views).
  const returned = history.returnedSince(since);
  // Counted first, so that each array is made at its size: grown by pushes, the copies they left behind
  // were the largest part of the encode's garbage.
  let count = 0;
  for (let position = 0; position < frameIds.length; position++) {
    if ((changedAt[position] as number) > after) count++;
  }
  const ids: number[] = new Array(count);
  const entities: EntityRecord[] = new Array(count);
  const { baselines, masks, relativeTypeIds, plainBits, relativeSaved } = columns;
  const saved: number[] = [];
  let atBase = 0;
  let share = 0;
  let at = 0;
  // Entities come in runs of one type: the registry's and the coder's lookups only when the type changes.
  let lastType: AnyEntityType | undefined;
  let lastTypeId = -1;
  let coder: TypeCoder | undefined;
  for (let position = 0; position < frameIds.length; position++) {
    if ((changedAt[position] as number) <= after) continue;
    const id = frameIds[position] as number;
    const entity = records[position] as EntityRecord;
    while (atBase < baseIds.length && (baseIds[atBase] as number) < id) atBase++;
    // An entity gone since the base and back (it left the client's view) may have been dropped by the
    // client: it goes in full, like a new one.
    const before = baseIds[atBase] === id && returned?.has(id) !== true ? then.records[atBase] : undefined;
    const type = entity.type;
    const index = at++;
    ids[index] = id;
    entities[index] = entity;
    share = addShare(share, shareAt(now, position));
    if (before === undefined || before.type !== type) {
      baselines[index] = undefined;
      masks[index] = 0;
      relativeTypeIds[index] = -1;
      plainBits[index] = 0;
      relativeSaved[index] = 0;
      continue;
    }
    if (type !== lastType) {
      lastType = type;
      lastTypeId = type.relative ? registry.typeId(type) : -1;
      coder = typeCoder(type);
    }
    const changes = coder as TypeCoder;
    const mask = changes.changes(before.codes, entity.codes);
    const typeId = lastTypeId;
    if (typeId >= 0) saved[typeId] = (saved[typeId] ?? 0) + changes.saved;
    baselines[index] = before.codes;
    masks[index] = mask;
    relativeTypeIds[index] = typeId;
    plainBits[index] = changes.plainBits;
    relativeSaved[index] = changes.saved;
  }
  const removed = removedIds(history.removedSince(since), frameIds);
  return {
    frame,
    base,
    ids,
    entities,
    columns,
    saved,
    removed,
    share,
  };
}

/** Removals that insertion-sort in fewer steps than a Set and a `sort` cost to set up. */
const FEW_REMOVALS = 32;

/**
 * The ids of `gone` (in the order they went, an id may recur) that the frame does not hold, ascending and
 * once each. Ids go in ascending runs (one per frame), so few removals are insertion-sorted in about one
 * step each.
 */
function removedIds(gone: readonly number[], frameIds: readonly number[]): number[] {
  const removed: number[] = [];
  if (gone.length > FEW_REMOVALS) {
    const listed = new Set<number>();
    for (const id of gone) {
      if (listed.has(id) || hasId(frameIds, id)) continue;
      listed.add(id);
      removed.push(id);
    }
    return removed.sort((a, b) => a - b);
  }
  for (const id of gone) {
    if (hasId(frameIds, id)) continue;
    let at = removed.length;
    while (at > 0 && (removed[at - 1] as number) > id) at--;
    if (at > 0 && removed[at - 1] === id) continue;
    if (at === removed.length) removed.push(id);
    else removed.splice(at, 0, id);
  }
  return removed;
}
