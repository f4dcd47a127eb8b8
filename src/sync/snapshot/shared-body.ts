import { BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import type { FieldCode } from '../field.js';
import { changeMask, type EntityCodes } from '../state-codes.js';
import { predictedSavedBits, relativeSavedBits, writeMaskedChanges } from '../state-encoding.js';
import { appendBits } from './bit-copy.js';
import { addShare, entityShare, hashCodes, headerShare } from './codes-hash.js';
import type { EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import type { FrameHistory } from './frame-history.js';
import { SEQ_BITS } from './seq.js';
import {
  gapOf,
  NEAR_BASELINE_BITS,
  RecordKind,
  RelativeMode,
  writeGap,
  writeKind,
  writeRelativeMode,
} from './wire.js';

/** A frame a client is in step at, with its index in the FrameHistory. */
export interface BaseFrame {
  readonly frame: WorldFrame;
  readonly index: number;
}

/** Where a body's header offsets are: patched per client by `SharedBody.message`. */
interface HeaderOffsets {
  readonly acked: number;
  /** -1: the body has no predictor. */
  readonly predictor: number;
  readonly checksum: number;
}

/**
 * One snapshot body for every client in step at the same frame: the whole message written once with a
 * zero seq, acked distance, predictor distance and checksum, which `message` patches per client. The
 * header before the records has the same length for all of them (the acked reference is always `1` + 6
 * bits, the predictor's too when the body has one), so the records sit at the same bit offset and are
 * copied as bytes.
 */
export class SharedBody {
  /** Ids in the body, ascending, and their records (undefined: a removal). */
  readonly ids: readonly number[];
  readonly entities: readonly (EntityRecord | undefined)[];
  readonly #template: Uint8Array;
  readonly #tick: number;
  readonly #offsets: HeaderOffsets;
  readonly #usesPrediction: boolean;
  /** The records' part of the checksum; the header's share is added per client. */
  readonly #recordsShare: number;

  constructor(
    ids: readonly number[],
    entities: readonly (EntityRecord | undefined)[],
    template: Uint8Array,
    tick: number,
    offsets: HeaderOffsets,
    recordsShare: number,
    usesPrediction: boolean,
    predictor: WorldFrame | undefined,
  ) {
    this.#usesPrediction = usesPrediction;
    this.predictor = predictor;
    this.ids = ids;
    this.entities = entities;
    this.#template = template;
    this.#tick = tick;
    this.#offsets = offsets;
    this.#recordsShare = recordsShare;
  }

  get byteLength(): number {
    return this.#template.length;
  }

  /** The predictor frame the body was written against, if any: `message` then needs its distance. */
  readonly predictor: WorldFrame | undefined;

  /** True when some type's deltas in it are written against the prediction (smaller so). */
  get usesPrediction(): boolean {
    return this.#usesPrediction;
  }

  /**
   * The message for one client: its seq, how far back its acked snapshot is (1..64), how far back from
   * that its predictor snapshot is (1..64, bodies with a predictor only), its checksum.
   */
  message(seq: number, ackedDistance: number, predictorDistance?: number): Uint8Array {
    const offsets = this.#offsets;
    if (offsets.predictor >= 0 !== (predictorDistance !== undefined)) {
      throw new RangeError('a predictor distance goes with, and only with, a body written against one');
    }
    // The constructor's copy: measurably cheaper than `slice()`, which looks up a species constructor.
    const bytes = new Uint8Array(this.#template);
    // seq is the first 16 bits: two whole bytes, least significant first.
    bytes[0] = seq & 0xff;
    bytes[1] = seq >>> 8;
    patchBits(bytes, offsets.acked, ackedDistance - 1, NEAR_BASELINE_BITS);
    if (predictorDistance !== undefined) {
      patchBits(bytes, offsets.predictor, predictorDistance - 1, NEAR_BASELINE_BITS);
    }
    patchBits(bytes, offsets.checksum, addShare(headerShare(seq, this.#tick, true), this.#recordsShare), 32);
    return bytes;
  }
}

/**
 * The changed entities of one body, as parallel arrays in ascending id order: a body is built once per
 * (frame, base) and thrown away with the frame, so per-record objects would only be garbage.
 */
interface ChangedRecords {
  readonly ids: readonly number[];
  readonly entities: readonly EntityRecord[];
  /** Deltas: the codes in the base frame; undefined: a full state. */
  readonly baselines: readonly (EntityCodes | undefined)[];
  /** Deltas: the changed fields. */
  readonly masks: readonly number[];
  /** Deltas of types with relative fields: the type's id; -1 otherwise. */
  readonly relativeTypeIds: readonly number[];
  /**
   * Deltas of entities the predictor's frame had: where their predicted references start in `references`
   * (plus the field's index); -1 otherwise (written against the baseline alone).
   */
  readonly referenceOffsets: readonly number[];
  readonly references: readonly FieldCode[];
}

/** How relative fields are written in one body: per type with relative fields. */
interface BodyModes {
  readonly modes: readonly RelativeMode[];
  /** The predictor frame, when the body names one. */
  readonly predictor: WorldFrame | undefined;
}

/**
 * Predicted references of the body being built, by record (`ChangedRecords.referenceOffsets`): reused from
 * one body to the next (only the current body's part is read), as building a body never re-enters itself.
 */
const scratchReferences: FieldCode[] = [];

/**
 * The records that bring a client in step at `base` to `frame`: entities changed since the base frame as
 * deltas against their codes in it (the client's implied baseline), entities new since as full states,
 * and a removal for every entity gone since (harmless for one the client never held).
 *
 * With `predictor` (a frame the clients held exactly before `base`, which they still hold copies of),
 * relative fields may instead be written against the motion from the predictor's frame to the base frame,
 * continued to this one: what a projectile or a car on a steady course costs then is its change of
 * velocity, not its distance moved. Chosen per type when it is smaller.
 */
export function buildSharedBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  history: FrameHistory,
  frame: WorldFrame,
  base: BaseFrame,
  predictor?: WorldFrame,
): SharedBody {
  const now = history.seen(frame);
  const then = history.kept(base.frame);
  if (then === undefined) throw new Error('a shared body needs a base frame its history has seen');
  // The predictor is a frame the clients were in step at, so one the history has seen too.
  const older = predictor === undefined ? undefined : history.kept(predictor);
  const ids: number[] = [];
  const entities: EntityRecord[] = [];
  const baselines: (EntityCodes | undefined)[] = [];
  const masks: number[] = [];
  const relativeTypeIds: number[] = [];
  const referenceOffsets: number[] = [];
  // Per type with relative fields, the bits its deltas save written relative (decided for the whole body),
  // and written against the prediction.
  const saved: number[] = [];
  const savedPredicted: number[] = [];
  const ahead = frame.tick - base.frame.tick;
  const span = predictor === undefined ? 0 : base.frame.tick - predictor.tick;
  // The predicted reference of each relative field, computed once for its size and for its write.
  const references = scratchReferences;
  // The three frames' ids ascend: walked side by side rather than looked up.
  const { changedAt, records } = now;
  const frameIds = now.ids;
  const baseIds = then.ids;
  const olderIds = older?.ids ?? [];
  let atBase = 0;
  let atOlder = 0;
  let nextOffset = 0;
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
    if (before === undefined || before.type !== type) {
      baselines.push(undefined);
      masks.push(0);
      relativeTypeIds.push(-1);
      referenceOffsets.push(-1);
      continue;
    }
    // Written straight into the body: a body is built once per frame and base, so an encoding cached
    // per (state, baseline) would never be asked for again.
    const mask = changeMask(type, before.codes, entity.codes);
    let typeId = -1;
    let offset = -1;
    if (type.relative) {
      if (type !== lastType) {
        lastType = type;
        lastTypeId = registry.typeId(type);
      }
      typeId = lastTypeId;
      const relative = relativeSavedBits(type, entity.codes, mask, before.codes);
      saved[typeId] = (saved[typeId] ?? 0) + relative;
      if (older !== undefined) {
        while (atOlder < olderIds.length && (olderIds[atOlder] as number) < id) atOlder++;
        const olderRecord = olderIds[atOlder] === id ? older.records[atOlder] : undefined;
        let predicted = relative;
        if (olderRecord !== undefined && olderRecord.type === type) {
          offset = nextOffset;
          nextOffset += type.fields.length;
          while (references.length < nextOffset) references.push(0);
          predicted = predictedSavedBits(
            type,
            entity.codes,
            mask,
            before.codes,
            olderRecord.codes,
            ahead,
            span,
            references,
            offset,
          );
        }
        savedPredicted[typeId] = (savedPredicted[typeId] ?? 0) + predicted;
      }
    }
    baselines.push(before.codes);
    masks.push(mask);
    relativeTypeIds.push(typeId);
    referenceOffsets.push(offset);
  }
  const removed: number[] = [];
  const gone = history.removedSince(base.index);
  if (gone.length > 0) {
    const listed = new Set<number>();
    for (const id of gone) {
      if (listed.has(id) || hasId(frameIds, id)) continue;
      listed.add(id);
      removed.push(id);
    }
    removed.sort((a, b) => a - b);
  }
  const modes: RelativeMode[] = [];
  for (const typeId of registry.relativeTypeIds) {
    const relative = saved[typeId] ?? 0;
    const predicted = older === undefined ? 0 : (savedPredicted[typeId] ?? 0);
    modes[typeId] =
      predicted > relative && predicted > 0
        ? RelativeMode.predicted
        : relative > 0
          ? RelativeMode.baseline
          : RelativeMode.plain;
  }
  const changed = { ids, entities, baselines, masks, relativeTypeIds, referenceOffsets, references };
  const bodyModes = { modes, predictor };
  return writeBody(registry, cache, frame.tick, changed, removed, bodyModes);
}

/** Writes the changed entities and the removals (both in ascending id order) merged by id. */
function writeBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  tick: number,
  changed: ChangedRecords,
  removed: readonly number[],
  bodyModes: BodyModes,
): SharedBody {
  const { modes } = bodyModes;
  const predicted = bodyModes.predictor !== undefined;
  const count = changed.ids.length + removed.length;
  const writer = new BitWriter(64 + count * 8);
  writer.writeBits(0, SEQ_BITS);
  writer.writeVarUint(tick);
  writer.writeBits(1, 1); // complete: nothing is left out
  writer.writeBits(1, 1); // an acked snapshot is named: its distance is patched in
  const acked = writer.bitLength;
  writer.writeBits(0, NEAR_BASELINE_BITS);
  let predictor = -1;
  if (predicted) {
    writer.writeBits(1, 1); // a predictor is named: its distance is patched in
    predictor = writer.bitLength;
    writer.writeBits(0, NEAR_BASELINE_BITS);
  } else {
    writer.writeBits(0, 1);
  }
  for (const typeId of registry.relativeTypeIds) {
    writeRelativeMode(writer, modes[typeId] ?? RelativeMode.plain, predicted);
  }
  const checksum = writer.bitLength;
  writer.writeBits(0, 32);
  writer.writeVarUint(count);
  const ids: number[] = new Array(count);
  const entities: (EntityRecord | undefined)[] = new Array(count);
  let share = 0;
  let previous = -1;
  let next = 0;
  let nextRemoved = 0;
  for (let index = 0; index < count; index++) {
    const removedId = removed[nextRemoved];
    const changedId = changed.ids[next];
    if (changedId === undefined || (removedId !== undefined && removedId < changedId)) {
      const id = removedId as number;
      nextRemoved++;
      ids[index] = id;
      entities[index] = undefined;
      writeGap(writer, gapOf(previous, id));
      previous = id;
      writeKind(writer, RecordKind.remove);
      continue;
    }
    const id = changedId;
    const entity = changed.entities[next] as EntityRecord;
    const baseline = changed.baselines[next];
    const mask = changed.masks[next] as number;
    const relativeTypeId = changed.relativeTypeIds[next] as number;
    const referenceOffset = changed.referenceOffsets[next] as number;
    next++;
    ids[index] = id;
    entities[index] = entity;
    const gap = gapOf(previous, id);
    previous = id;
    // Hashed here rather than through the cache: each state is hashed about once per body, and a cache
    // entry per state (a WeakMap entry for every entity that moved) costs more than the hash.
    share = addShare(share, entityShare(id, hashCodes(entity.codes)));
    const type = entity.type;
    if (baseline === undefined) {
      writeGap(writer, gap);
      writeKind(writer, RecordKind.full);
      writer.writeBits(registry.typeId(type), registry.typeBits);
      appendBits(writer, cache.full(type, entity.codes));
    } else {
      // The usual record, the next id's delta: gap '0' and kind '0' in one write.
      if (gap === 0) {
        writer.writeBits(0, 2);
      } else {
        writeGap(writer, gap);
        writeKind(writer, RecordKind.delta);
      }
      const mode = relativeTypeId >= 0 ? modes[relativeTypeId] : RelativeMode.plain;
      if (mode === RelativeMode.predicted && referenceOffset >= 0) {
        writeMaskedChanges(writer, type, entity.codes, mask, baseline, changed.references, referenceOffset);
      } else {
        // An entity the predictor's frame did not have is written against its baseline alone.
        writeMaskedChanges(
          writer,
          type,
          entity.codes,
          mask,
          mode === RelativeMode.plain ? undefined : baseline,
        );
      }
    }
  }
  const offsets = { acked, predictor, checksum };
  const usesPrediction = modes.includes(RelativeMode.predicted);
  const bytes = writer.finish();
  return new SharedBody(ids, entities, bytes, tick, offsets, share, usesPrediction, bodyModes.predictor);
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

/** Overwrites `count` bits at bit `offset` (BitWriter order: least significant first), a byte at a time. */
function patchBits(bytes: Uint8Array, offset: number, value: number, count: number): void {
  let done = 0;
  let position = offset;
  while (done < count) {
    const index = position >>> 3;
    const shift = position & 7;
    const take = Math.min(8 - shift, count - done);
    const field = ((1 << take) - 1) << shift;
    bytes[index] = ((bytes[index] as number) & ~field) | (((value >>> done) << shift) & field);
    done += take;
    position += take;
  }
}
