import { BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import { appendBits, appendBitsAfter, type EncodedBits } from './bit-copy.js';
import type { Acked } from './client-tracking.js';
import { addShare, entityShare, headerShare } from './codes-hash.js';
import type { EncodedChanges, EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord } from './entity-table.js';
import type { Candidate, PriorityAccumulator } from './priority.js';
import { SEQ_BITS, seqOf } from './seq.js';
import { STREAM_BITS } from './stream.js';
import {
  FINGERPRINT_BITS,
  gapBits,
  gapOf,
  OWN_HEAD_FLAG_BITS,
  REPEAT_HEAD_BITS,
  RecordKind,
  varUintBits,
  writeAckedRef,
  writeBaselineRef,
  writeGap,
  writeKind,
  writePredictorRef,
  writeRecordFlag,
} from './wire.js';

/** The smallest record: a repeat of the previous record's mask 0 (present, unchanged). */
const MIN_RECORD_BITS = REPEAT_HEAD_BITS;

/** One record a per-client snapshot may carry, planned before the packet is filled. */
export interface Planned {
  readonly id: number;
  readonly kind: RecordKind;
  readonly entity: EntityRecord | undefined;
  /** Deltas: the changes, written whole and (for types with relative fields) relative to the baseline. */
  readonly changes: EncodedChanges | undefined;
  /** Bits before the payload: kind, and the baseline reference or the type id (not the gap or flag). */
  readonly head: number;
  payload: EncodedBits | undefined;
  readonly baselineAt: number;
  bits: number;
}

/** For each type with relative fields: whether its deltas, taken together, are smaller written so. */
export function relativeModesOf(registry: EntityRegistry, planned: readonly Planned[]): boolean[] {
  const modes: boolean[] = [];
  if (registry.relativeTypeIds.length === 0) return modes;
  const saved: number[] = [];
  for (const { changes, entity } of planned) {
    if (changes?.relative === undefined || entity === undefined) continue;
    const typeId = registry.typeId(entity.type);
    saved[typeId] = (saved[typeId] ?? 0) + changes.bitLength - changes.relative.bitLength;
  }
  for (const typeId of registry.relativeTypeIds) modes[typeId] = (saved[typeId] ?? 0) > 0;
  return modes;
}

/** A delta's payload under the snapshot's per-type choice of relative writing. */
export function choosePayload(
  planned: Planned,
  relativeModes: readonly boolean[],
  registry: EntityRegistry,
): void {
  const { changes, entity } = planned;
  if (changes === undefined || entity === undefined) return;
  const relative = changes.relative !== undefined && relativeModes[registry.typeId(entity.type)] === true;
  planned.payload = relative ? changes.relative : changes;
  planned.bits = planned.head + (planned.payload as EncodedBits).bitLength;
}

function byId(a: Planned, b: Planned): number {
  return a.id - b.id;
}

/** Where `id` goes in `chosen`, kept in ascending id order. */
function insertionPoint(chosen: readonly Planned[], id: number): number {
  let low = 0;
  let high = chosen.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((chosen[middle] as Planned).id < id) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Plans the record of entity `id` (undefined: a removal); with `relativeModes`, its payload follows them. */
export type PlanRecord = (
  id: number,
  entity: EntityRecord | undefined,
  relativeModes?: readonly boolean[],
) => Planned;

/**
 * The fill stops once this many records in a row did not fit: with a budget nearly used up, every record
 * after them would be planned only to be skipped, and a world that changes faster than the budget carries
 * has a backlog of thousands. Skipped records keep their priority, so a small one behind them goes soon.
 */
export const FILL_MISSES_IN_A_ROW = 32;

/**
 * The fewest bits `planned` can take in a snapshot, whatever its neighbours and the relative modes: the
 * shortest gap, the smaller payload, and as a repeat (no gap, kind or mask) when a delta could be one.
 */
function leastBits(planned: Planned): number {
  const changes = planned.changes;
  if (changes === undefined) return OWN_HEAD_FLAG_BITS + gapBits(0) + planned.bits;
  const relative = changes.relative;
  const payload =
    relative === undefined ? changes.bitLength : Math.min(changes.bitLength, relative.bitLength);
  // A repeat's head is one bit and drops the mask: always less than a record of its own.
  if (planned.kind === RecordKind.delta) {
    return REPEAT_HEAD_BITS + payload - (planned.entity as EntityRecord).type.fields.length;
  }
  return OWN_HEAD_FLAG_BITS + gapBits(0) + planned.head + payload;
}

/** The exact size of a snapshot of `chosen` (in id order, payloads chosen). */
function snapshotBits(chosen: readonly Planned[], headerBits: number): number {
  let bits = headerBits + varUintBits(chosen.length);
  let previous: Planned | undefined;
  for (const planned of chosen) {
    bits += recordBits(previous, planned);
    previous = planned;
  }
  return bits;
}

export interface PlannedAll {
  /** The candidates planned, in their order: all of them, or those up to where the bound passed the budget. */
  readonly planned: readonly Planned[];
  /** Set when every candidate fits: the snapshot's records in id order, its size and relative modes. */
  readonly fits: { chosen: Planned[]; bits: number; relativeModes: boolean[] } | undefined;
}

/**
 * Whether every candidate fits in `budgetBits`, planning no more than it takes to tell: candidates are
 * planned in order while a lower bound on the snapshot's size (each record at its `leastBits`) stays
 * within the budget; once it passes, they cannot all fit and the rest are not planned. A world changing
 * faster than the budget carries so costs about a budget's worth of records here, not the whole backlog.
 * When all are planned, deltas are written relative to their baselines, per type, when that is smaller
 * over all of the type's records, and the exact size decides.
 */
export function planAll(
  registry: EntityRegistry,
  plan: PlanRecord,
  candidates: readonly Candidate[],
  headerBits: number,
  budgetBits: number,
): PlannedAll {
  const planned: Planned[] = [];
  let least = headerBits;
  for (const { id, entity } of candidates) {
    const record = plan(id, entity);
    planned.push(record);
    least += leastBits(record);
    if (least + varUintBits(planned.length) > budgetBits) return { planned, fits: undefined };
  }
  const relativeModes = relativeModesOf(registry, planned);
  for (const record of planned) choosePayload(record, relativeModes, registry);
  const chosen = planned.slice().sort(byId);
  const bits = snapshotBits(chosen, headerBits);
  return { planned, fits: bits <= budgetBits ? { chosen, bits, relativeModes } : undefined };
}

/** Whether `planned` goes as a repeat of `previous` (see wire.ts): the next id, an unnamed delta, the same mask. */
function repeats(previous: Planned | undefined, planned: Planned): boolean {
  return (
    previous !== undefined &&
    planned.kind === RecordKind.delta &&
    planned.id === previous.id + 1 &&
    previous.changes !== undefined &&
    previous.changes.mask === (planned.changes as EncodedChanges).mask
  );
}

/** The bits `planned` takes after `previous` (undefined: it is the first record), flag and gap included. */
function recordBits(previous: Planned | undefined, planned: Planned): number {
  if (repeats(previous, planned)) {
    const maskBits = (planned.entity as EntityRecord).type.fields.length;
    return REPEAT_HEAD_BITS + (planned.payload as EncodedBits).bitLength - maskBits;
  }
  return (
    OWN_HEAD_FLAG_BITS + gapBits(gapOf(previous === undefined ? -1 : previous.id, planned.id)) + planned.bits
  );
}

export interface Fill {
  readonly registry: EntityRegistry;
  readonly plan: PlanRecord;
  /** What `planAll` planned: reused rather than planned again, and the sample the fill's modes come from. */
  readonly planned: readonly Planned[];
  readonly candidates: readonly Candidate[];
  readonly headerBits: number;
  readonly budgetBits: number;
}

export interface Filled {
  /** The records sent, in id order. */
  readonly chosen: Planned[];
  readonly bits: number;
  readonly relativeModes: boolean[];
  readonly overBudget: readonly OverBudget[];
}

/**
 * Greedy fill, highest priority first, skipping what does not fit, until the budget has no room for the
 * smallest record or `FILL_MISSES_IN_A_ROW` records in a row did not fit. Gap codes and repeats depend on
 * the neighbours, so the cost of each insertion is computed against the records chosen so far.
 *
 * Records are planned and taken from the ranking as they come up, so the cost follows what fits, not the
 * backlog (the ranking still gains every candidate its priority, and heaps them). Deltas are sized under relative modes taken from what `planAll` planned;
 * once the records are chosen, the modes are chosen again over them alone, which never makes the
 * snapshot larger (a record's size is its payload plus what its neighbours and kind decide).
 */
export function fillByPriority(priority: PriorityAccumulator, fill: Fill): Filled {
  const { registry, plan, candidates, headerBits, budgetBits } = fill;
  const fillModes = relativeModesOf(registry, fill.planned);
  const known = new Map<number, Planned>();
  for (const planned of fill.planned) known.set(planned.id, planned);
  const order = priority.ranking(candidates);
  const chosen: Planned[] = [];
  // In the order ranked, which is the order the accumulator must hear of them.
  const sent: number[] = [];
  let over: OverBudget[] | undefined;
  const alone = headerBits + varUintBits(1);
  let bits = headerBits + varUintBits(0);
  let misses = 0;
  for (let next = order.pop(); next >= 0; next = order.pop()) {
    // With nothing chosen, the first records are still tried: they are what `overBudget` names.
    if (chosen.length > 0 && budgetBits - bits < MIN_RECORD_BITS) break;
    const { id, entity } = candidates[next] as Candidate;
    let planned = known.get(id);
    if (planned === undefined) planned = plan(id, entity, fillModes);
    else choosePayload(planned, fillModes, registry);
    const index = insertionPoint(chosen, id);
    const previous = index === 0 ? undefined : (chosen[index - 1] as Planned);
    const following = chosen[index];
    let cost = recordBits(previous, planned);
    if (following !== undefined) {
      cost += recordBits(planned, following) - recordBits(previous, following);
    }
    cost += varUintBits(chosen.length + 1) - varUintBits(chosen.length);
    if (bits + cost > budgetBits) {
      const least = alone + recordBits(undefined, planned);
      if (least > budgetBits) {
        over ??= [];
        over.push({ id, type: planned.entity?.type, bytes: Math.ceil(least / 8) });
      }
      if (++misses >= FILL_MISSES_IN_A_ROW) break;
      continue;
    }
    misses = 0;
    bits += cost;
    chosen.splice(index, 0, planned);
    sent.push(id);
  }
  for (const id of sent) priority.sent(id);
  const relativeModes = relativeModesOf(registry, chosen);
  for (const planned of chosen) choosePayload(planned, relativeModes, registry);
  bits = snapshotBits(chosen, headerBits);
  if (over !== undefined) over.sort(overById);
  return { chosen, bits, relativeModes, overBudget: over ?? NONE_OVER_BUDGET };
}

function overById(a: OverBudget, b: OverBudget): number {
  return a.id - b.id;
}

/**
 * A record too large to go even alone after the header: left out until the budget grows or it shrinks.
 * Named when the fill tried it (see `fillByPriority`): one that never came up, ranked behind what filled
 * the budget, is found once its priority carries it up.
 */
export interface OverBudget {
  readonly id: number;
  /** The entity's type; undefined for a removal (over budget only when the header alone is). */
  readonly type: AnyEntityType | undefined;
  /** The smallest budget (bytes) that carries it: the header and this record alone. */
  readonly bytes: number;
}

/** Nothing over budget: one frozen list for every snapshot that left nothing out that way. */
export const NONE_OVER_BUDGET: readonly OverBudget[] = Object.freeze([]);

export interface SnapshotHeader {
  readonly seq: number;
  readonly stream: number;
  readonly tick: number;
  readonly complete: boolean;
  readonly acked: Acked | undefined;
  readonly relativeModes: readonly boolean[];
}

/** The snapshot message of a per-client plan; `bits` is its planned size, checked against the writing. */
export function writeSnapshot(
  registry: EntityRegistry,
  cache: EncodingCache,
  header: SnapshotHeader,
  chosen: readonly Planned[],
  at: number,
  bits: number,
): Uint8Array {
  const { seq, stream, tick, complete, acked, relativeModes } = header;
  const writer = new BitWriter(Math.ceil(bits / 8) + 1);
  let checksum = headerShare(seq, tick, complete);
  for (const planned of chosen) {
    if (planned.entity !== undefined) {
      checksum = addShare(checksum, entityShare(planned.id, cache.hash(planned.entity.codes)));
    }
  }
  writer.writeBits(seq, SEQ_BITS);
  writer.writeBits(stream, STREAM_BITS);
  writer.writeVarUint(tick);
  writer.writeBits(complete ? 1 : 0, 1);
  writeAckedRef(writer, acked?.distance);
  // Nothing acked: the client may hold nothing yet, so it checks it reads the server's types first.
  if (acked === undefined) writer.writeBits(registry.fingerprint, FINGERPRINT_BITS);
  // Per-client snapshots never predict: their baselines differ entity by entity.
  if (acked !== undefined) writePredictorRef(writer, undefined);
  for (const typeId of registry.relativeTypeIds) writer.writeBits(relativeModes[typeId] ? 1 : 0, 1);
  writer.writeBits(checksum, 32);
  writer.writeVarUint(chosen.length);
  let previous: Planned | undefined;
  for (const planned of chosen) {
    if (repeats(previous, planned)) {
      writeRecordFlag(writer, true);
      const maskBits = (planned.entity as EntityRecord).type.fields.length;
      appendBitsAfter(writer, planned.payload as EncodedBits, maskBits);
      previous = planned;
      continue;
    }
    writeRecordFlag(writer, false);
    writeGap(writer, gapOf(previous === undefined ? -1 : previous.id, planned.id));
    previous = planned;
    writeKind(writer, planned.kind);
    if (planned.kind === RecordKind.namedDelta) {
      writeBaselineRef(writer, seqOf(planned.baselineAt), at - planned.baselineAt);
    } else if (planned.kind === RecordKind.full) {
      writer.writeBits(registry.typeId((planned.entity as EntityRecord).type), registry.typeBits);
    }
    if (planned.payload !== undefined) appendBits(writer, planned.payload);
  }
  if (writer.bitLength !== bits) throw new Error(`snapshot size estimate ${bits} != ${writer.bitLength}`);
  return writer.finish();
}
