import { BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import { appendBits, appendBitsAfter, type EncodedBits } from './bit-copy.js';
import type { Acked } from './client-tracking.js';
import { addShare, entityShare, headerShare } from './codes-hash.js';
import type { EncodedChanges, EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord } from './entity-table.js';
import type { Candidate, PriorityAccumulator } from './priority.js';
import { SEQ_BITS, SEQ_MODULO } from './seq.js';
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

/** Plans one candidate's record; with `relativeModes`, its payload follows them. */
export type PlanRecord = (candidate: Candidate, relativeModes?: readonly boolean[]) => Planned;

/**
 * Every candidate planned, in id order, and the snapshot's size if all of them go. Per type, deltas are
 * written relative to their baselines when that is smaller over all of the type's records.
 */
export function planAll(
  registry: EntityRegistry,
  plan: PlanRecord,
  candidates: readonly Candidate[],
  headerBits: number,
): { chosen: Planned[]; bits: number; relativeModes: boolean[] } {
  const chosen: Planned[] = new Array(candidates.length);
  for (let index = 0; index < candidates.length; index++)
    chosen[index] = plan(candidates[index] as Candidate);
  const relativeModes = relativeModesOf(registry, chosen);
  for (const planned of chosen) choosePayload(planned, relativeModes, registry);
  chosen.sort(byId);
  let bits = headerBits + varUintBits(chosen.length);
  let previous: Planned | undefined;
  for (const planned of chosen) {
    bits += recordBits(previous, planned);
    previous = planned;
  }
  return { chosen, bits, relativeModes };
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
  readonly plan: PlanRecord;
  readonly relativeModes: readonly boolean[];
  readonly candidates: readonly Candidate[];
  readonly headerBits: number;
  readonly budgetBits: number;
}

/**
 * Greedy fill, highest priority first, skipping what does not fit. Gap codes and repeats depend on the
 * neighbours, so the cost of each insertion is computed against the records chosen so far.
 */
export function fillByPriority(
  priority: PriorityAccumulator,
  fill: Fill,
): { chosen: Planned[]; bits: number } {
  const { plan, relativeModes, candidates, budgetBits } = fill;
  const order = priority.rank(candidates);
  const byId = new Map<number, Candidate>();
  for (const candidate of candidates) byId.set(candidate.id, candidate);
  const chosen: Planned[] = [];
  // In the order ranked, which is the order the accumulator must hear of them.
  const sent: number[] = [];
  let bits = fill.headerBits + varUintBits(0);
  for (const id of order) {
    if (budgetBits - bits < MIN_RECORD_BITS) break;
    const planned = plan(byId.get(id) as Candidate, relativeModes);
    const index = insertionPoint(chosen, id);
    const previous = index === 0 ? undefined : (chosen[index - 1] as Planned);
    const following = chosen[index];
    let cost = recordBits(previous, planned);
    if (following !== undefined) {
      cost += recordBits(planned, following) - recordBits(previous, following);
    }
    cost += varUintBits(chosen.length + 1) - varUintBits(chosen.length);
    if (bits + cost > budgetBits) continue;
    bits += cost;
    chosen.splice(index, 0, planned);
    sent.push(id);
  }
  for (const id of sent) priority.sent(id);
  return { chosen, bits };
}

/** A record too large to go even alone after the header: left out until the budget grows or it shrinks. */
export interface OverBudget {
  readonly id: number;
  /** The entity's type; undefined for a removal (over budget only when the header alone is). */
  readonly type: AnyEntityType | undefined;
  /** The smallest budget (bytes) that carries it: the header and this record alone. */
  readonly bytes: number;
}

/** The records of `planned` (planned as `planAll` does) that no fill within `budgetBits` can carry. */
export function overBudgetOf(
  planned: readonly Planned[],
  headerBits: number,
  budgetBits: number,
): readonly OverBudget[] {
  let over: OverBudget[] | undefined;
  const alone = headerBits + varUintBits(1);
  for (const record of planned) {
    const bits = alone + recordBits(undefined, record);
    if (bits > budgetBits) {
      over ??= [];
      over.push({ id: record.id, type: record.entity?.type, bytes: Math.ceil(bits / 8) });
    }
  }
  return over ?? NONE_OVER_BUDGET;
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
      writeBaselineRef(writer, planned.baselineAt % SEQ_MODULO, at - planned.baselineAt);
    } else if (planned.kind === RecordKind.full) {
      writer.writeBits(registry.typeId((planned.entity as EntityRecord).type), registry.typeBits);
    }
    if (planned.payload !== undefined) appendBits(writer, planned.payload);
  }
  if (writer.bitLength !== bits) throw new Error(`snapshot size estimate ${bits} != ${writer.bitLength}`);
  return writer.finish();
}
