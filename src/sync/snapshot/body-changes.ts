import type { AnyEntityType } from '../entity.js';
import { changeMask, type EntityCodes } from '../state-codes.js';
import { relativeSavedBits } from '../state-encoding.js';
import { addShare } from './codes-hash.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import { type FrameHistory, shareAt } from './frame-history.js';

/** A frame a client is in step at, with its index in the FrameHistory. */
export interface BaseFrame {
  readonly frame: WorldFrame;
  readonly index: number;
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
  /** Changed and new entities. */
  readonly ids: readonly number[];
  readonly entities: readonly EntityRecord[];
  /** Deltas: the codes in the base frame; undefined: a full state. */
  readonly baselines: readonly (EntityCodes | undefined)[];
  /** Deltas: the changed fields. */
  readonly masks: readonly number[];
  /** Deltas of types with relative fields: the type's id; -1 otherwise. */
  readonly relativeTypeIds: readonly number[];
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
 * never held).
 */
export function bodyChanges(
  registry: EntityRegistry,
  history: FrameHistory,
  frame: WorldFrame,
  base: BaseFrame,
): BodyChanges {
  const now = history.seen(frame);
  const then = history.kept(base.frame);
  if (then === undefined) throw new Error('a shared body needs a base frame its history has seen');
  const ids: number[] = [];
  const entities: EntityRecord[] = [];
  const baselines: (EntityCodes | undefined)[] = [];
  const masks: number[] = [];
  const relativeTypeIds: number[] = [];
  const saved: number[] = [];
  // The two frames' ids ascend: walked side by side rather than looked up.
  const { changedAt, records } = now;
  const frameIds = now.ids;
  const baseIds = then.ids;
  let atBase = 0;
  let share = 0;
  const since = base.index;
  // Entities come in runs of one type: the registry's lookup only when the type changes.
  let lastType: AnyEntityType | undefined;
  let lastTypeId = -1;
  for (let position = 0; position < frameIds.length; position++) {
    if ((changedAt[position] as number) <= since) continue;
    const id = frameIds[position] as number;
    const entity = records[position] as EntityRecord;
    while (atBase < baseIds.length && (baseIds[atBase] as number) < id) atBase++;
    const before = baseIds[atBase] === id ? then.records[atBase] : undefined;
    const type = entity.type;
    ids.push(id);
    entities.push(entity);
    share = addShare(share, shareAt(now, position));
    if (before === undefined || before.type !== type) {
      baselines.push(undefined);
      masks.push(0);
      relativeTypeIds.push(-1);
      continue;
    }
    const mask = changeMask(type, before.codes, entity.codes);
    let typeId = -1;
    if (type.relative) {
      if (type !== lastType) {
        lastType = type;
        lastTypeId = registry.typeId(type);
      }
      typeId = lastTypeId;
      saved[typeId] = (saved[typeId] ?? 0) + relativeSavedBits(type, entity.codes, mask, before.codes);
    }
    baselines.push(before.codes);
    masks.push(mask);
    relativeTypeIds.push(typeId);
  }
  const removed = removedIds(history.removedSince(base.index), frameIds);
  return { frame, base, ids, entities, baselines, masks, relativeTypeIds, saved, removed, share };
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

/** Binary search in ascending ids. */
function hasId(ids: readonly number[], id: number): boolean {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const found = ids[middle] as number;
    if (found === id) return true;
    if (found < id) low = middle + 1;
    else high = middle;
  }
  return false;
}
