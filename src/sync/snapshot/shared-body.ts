import { BitWriter } from '../../protocol/index.js';
import type { FieldCode } from '../field.js';
import type { EntityCodes } from '../state-codes.js';
import { type Prediction, relativeSavedBits, writeMaskedFields } from '../state-encoding.js';
import { appendBits } from './bit-copy.js';
import type { BodyChanges } from './body-changes.js';
import type { ByteSlab } from './byte-slab.js';
import { addShare, headerShare } from './codes-hash.js';
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
  writeRecordFlag,
  writeRelativeMode,
} from './wire.js';

// The encoder names a client's base frame by this module, where bodies are built from one.
export type { BaseFrame } from './body-changes.js';

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
  /** Where the per-client messages are copied to. */
  readonly #slab: ByteSlab;

  constructor(
    ids: readonly number[],
    entities: readonly (EntityRecord | undefined)[],
    template: Uint8Array,
    tick: number,
    offsets: HeaderOffsets,
    recordsShare: number,
    usesPrediction: boolean,
    predictor: WorldFrame | undefined,
    slab: ByteSlab,
  ) {
    this.#slab = slab;
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
   * that its predictor snapshot is (1..64, bodies with a predictor only), its checksum. The bytes are the
   * client's alone, in a chunk of the slab shared with other messages (see `ByteSlab`).
   */
  message(seq: number, ackedDistance: number, predictorDistance?: number): Uint8Array {
    const offsets = this.#offsets;
    if (offsets.predictor >= 0 !== (predictorDistance !== undefined)) {
      throw new RangeError('a predictor distance goes with, and only with, a body written against one');
    }
    const bytes = this.#slab.copyOf(this.#template);
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

/** How relative fields are written in one body. */
interface BodyModes {
  /** Per type with relative fields. */
  readonly modes: readonly RelativeMode[];
  /** The predictor frame, when the body names one. */
  readonly predictor: WorldFrame | undefined;
  /**
   * Deltas of entities the predictor's frame had: where their predicted references start in `prediction`
   * (plus the field's index); -1 or missing otherwise (written against the baseline alone).
   */
  readonly referenceOffsets: readonly number[];
  /** The predicted references and the writes worked out from them (see `Prediction`). */
  readonly prediction: Prediction | undefined;
}

/**
 * Predicted references of the body being built, and where each record's start (`BodyModes`): reused from
 * one body to the next (only the current body's part is read), as building a body never re-enters itself.
 */
const scratchReferences: FieldCode[] = [];
const scratchPacked: number[] = [];
const scratchPackedBits: number[] = [];
const scratchOffsets: number[] = [];

/**
 * The body that brings a client in step at the base of `changes` to its frame (see `bodyChanges`).
 *
 * With `predictor` (a frame the clients held exactly before the base, which they still hold copies of),
 * relative fields may instead be written against the motion from the predictor's frame to the base frame,
 * continued to this one: what a projectile or a car on a steady course costs then is its change of
 * velocity, not its distance moved. Chosen per type when it is smaller.
 */
export function buildSharedBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  history: FrameHistory,
  changes: BodyChanges,
  slab: ByteSlab,
  predictor?: WorldFrame,
): SharedBody {
  const { frame, base, ids, entities, baselines, masks, relativeTypeIds } = changes;
  // The predictor is a frame the clients were in step at, so one the history has seen too.
  const older = predictor === undefined ? undefined : history.kept(predictor);
  const referenceOffsets = scratchOffsets;
  referenceOffsets.length = 0;
  // Per type with relative fields, the bits its deltas save written against the prediction.
  const savedPredicted: number[] = [];
  let prediction: Prediction | undefined;
  if (older !== undefined && predictor !== undefined) {
    const ahead = frame.tick - base.frame.tick;
    const span = base.frame.tick - predictor.tick;
    // The predicted reference of each relative field, computed once for its size and for its write.
    const references = scratchReferences;
    // One object for the whole body, pointed at each record's older codes and references in turn.
    const packed = scratchPacked;
    const packedBits = scratchPackedBits;
    prediction = { older: [], ahead, span, references, packed, packedBits, offset: 0 };
    // Both id lists ascend: walked side by side rather than looked up.
    const olderIds = older.ids;
    let atOlder = 0;
    let nextOffset = 0;
    for (let index = 0; index < ids.length; index++) {
      const typeId = relativeTypeIds[index] as number;
      let offset = -1;
      if (typeId >= 0) {
        const id = ids[index] as number;
        const entity = entities[index] as EntityRecord;
        const type = entity.type;
        const baseline = baselines[index] as EntityCodes;
        const mask = masks[index] as number;
        while (atOlder < olderIds.length && (olderIds[atOlder] as number) < id) atOlder++;
        const olderRecord = olderIds[atOlder] === id ? older.records[atOlder] : undefined;
        let predicted: number;
        if (olderRecord !== undefined && olderRecord.type === type) {
          offset = nextOffset;
          nextOffset += type.fields.length;
          while (references.length < nextOffset) {
            references.push(0);
            packed.push(0);
            packedBits.push(0);
          }
          prediction.older = olderRecord.codes;
          prediction.offset = offset;
          predicted = relativeSavedBits(type, entity.codes, mask, baseline, prediction);
        } else {
          // Written against its baseline alone: the same size as written relative.
          predicted = relativeSavedBits(type, entity.codes, mask, baseline);
        }
        savedPredicted[typeId] = (savedPredicted[typeId] ?? 0) + predicted;
      }
      referenceOffsets.push(offset);
    }
  }
  const modes: RelativeMode[] = [];
  for (const typeId of registry.relativeTypeIds) {
    const relative = changes.saved[typeId] ?? 0;
    const predicted = older === undefined ? 0 : (savedPredicted[typeId] ?? 0);
    modes[typeId] =
      predicted > relative && predicted > 0
        ? RelativeMode.predicted
        : relative > 0
          ? RelativeMode.baseline
          : RelativeMode.plain;
  }
  const bodyModes = { modes, predictor, referenceOffsets, prediction };
  return writeBody(registry, cache, frame.tick, changes, bodyModes, slab);
}

/**
 * Every body is written here and copied out by `finish()`: a fresh writer's buffer per body cost more than
 * the copy. Building a body never re-enters itself, and a throw mid-body is reset by the next one.
 */
const scratchWriter = new BitWriter(4096);

/** Writes the changed entities and the removals (both in ascending id order) merged by id. */
function writeBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  tick: number,
  changed: BodyChanges,
  bodyModes: BodyModes,
  slab: ByteSlab,
): SharedBody {
  const { modes } = bodyModes;
  const { removed } = changed;
  const predicted = bodyModes.predictor !== undefined;
  // Empty when the body was not written against a predictor.
  const { referenceOffsets } = bodyModes;
  const hasReferences = referenceOffsets.length > 0;
  const count = changed.ids.length + removed.length;
  const writer = scratchWriter;
  writer.reset();
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
  // Without removals the body's records are the changed ones, in the same order: those arrays serve (read
  // only, like every body's), and merged ones are only made when removals go in between.
  const merged = removed.length > 0;
  const ids: number[] = merged ? new Array(count) : [];
  const entities: (EntityRecord | undefined)[] = merged ? new Array(count) : [];
  let previous = -1;
  // The mask of the previous record when it had one (a delta), else -1: a delta of the next id with the
  // same mask goes as a repeat (see wire.ts).
  let previousMask = -1;
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
      writeRecordFlag(writer, false);
      writeGap(writer, gapOf(previous, id));
      previous = id;
      previousMask = -1;
      writeKind(writer, RecordKind.remove);
      continue;
    }
    const id = changedId;
    const entity = changed.entities[next] as EntityRecord;
    const baseline = changed.baselines[next];
    const mask = changed.masks[next] as number;
    const relativeTypeId = changed.relativeTypeIds[next] as number;
    const referenceOffset = hasReferences ? (referenceOffsets[next] as number) : -1;
    next++;
    if (merged) {
      ids[index] = id;
      entities[index] = entity;
    }
    const gap = gapOf(previous, id);
    previous = id;
    const type = entity.type;
    if (baseline === undefined) {
      writeRecordFlag(writer, false);
      writeGap(writer, gap);
      writeKind(writer, RecordKind.full);
      writer.writeBits(registry.typeId(type), registry.typeBits);
      appendBits(writer, cache.full(type, entity.codes));
      previousMask = -1;
    } else {
      if (gap === 0 && mask === previousMask) {
        writeRecordFlag(writer, true);
      } else {
        // Flag '1', then (the usual case, the next id's delta) gap '0' and kind '0': one write.
        if (gap === 0) {
          writer.writeBits(0b001, 3);
        } else {
          writeRecordFlag(writer, false);
          writeGap(writer, gap);
          writeKind(writer, RecordKind.delta);
        }
        writer.writeBits(mask, type.fields.length);
        previousMask = mask;
      }
      const mode = relativeTypeId >= 0 ? modes[relativeTypeId] : RelativeMode.plain;
      if (mode === RelativeMode.predicted && referenceOffset >= 0) {
        writeMaskedFields(writer, type, entity.codes, mask, baseline, bodyModes.prediction, referenceOffset);
      } else {
        // An entity the predictor's frame did not have is written against its baseline alone.
        writeMaskedFields(
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
  return new SharedBody(
    merged ? ids : changed.ids,
    merged ? entities : changed.entities,
    bytes,
    tick,
    offsets,
    changed.share,
    usesPrediction,
    bodyModes.predictor,
    slab,
  );
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
