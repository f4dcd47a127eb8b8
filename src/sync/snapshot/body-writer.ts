import { BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import type { EntityCodes } from '../state-codes.js';
import { appendBits } from './bit-copy.js';
import type { BodyChanges } from './body-changes.js';
import type { ByteSlab } from './byte-slab.js';
import type { EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import type { FrameHistory, SeenFrame } from './frame-history.js';
import { removalKind } from './frame-view.js';
import { SEQ_BITS } from './seq.js';
import { patchBits, SharedBody } from './shared-body.js';
import { STREAM_BITS } from './stream.js';
import { type PredictedWrites, type TypeCoder, typeCoder } from './type-coder.js';
import {
  FINGERPRINT_BITS,
  gapOf,
  NEAR_BASELINE_BITS,
  RecordKind,
  RelativeMode,
  relativeModeBits,
  writeGap,
  writeKind,
  writeRecordFlag,
  writeRelativeMode,
} from './wire.js';

/** What a body's moving fields are predicted from: the predictor frame, as kept, and the ticks around. */
interface Motion {
  readonly older: SeenFrame;
  /**
   * Entities of the predictor's frame that were out of the clients' view since and are back: a client that
   * missed the removal still holds copies from before it and one that applied it does not, so their deltas
   * could not be predicted alike. They go in full. Undefined when none (always without views).
   */
  readonly returned: ReadonlySet<number> | undefined;
  /** Ticks from the base frame to the body's frame. */
  readonly ahead: number;
  /** Ticks from the predictor frame to the base frame. */
  readonly span: number;
}

/** How relative fields are written in one body. */
interface BodyModes {
  /** Per type with relative fields; undefined: every type predicted, checked once written (see below). */
  readonly modes: readonly RelativeMode[] | undefined;
  /** The predictor frame, when the body names one. */
  readonly predictor: WorldFrame | undefined;
  readonly motion: Motion | undefined;
  /**
   * Sized first (`modes` given): deltas of entities the predictor's frame had, where their predicted
   * writes start in `scratchPredicted` (plus the field's index); -1 or missing otherwise (written against
   * the baseline alone).
   */
  readonly referenceOffsets: readonly number[];
}

/**
 * Predicted references and writes of the body being sized, and where each record's start (`BodyModes`):
 * reused from one body to the next (only the current body's part is read), as building a body never
 * re-enters itself.
 */
const scratchPredicted: PredictedWrites = { references: [], packed: [], packedBits: [] };
const scratchOffsets: number[] = [];
const NO_OFFSETS: readonly number[] = [];

/**
 * A body with a predictor is first written as if every type's deltas were smaller against the prediction
 * (on moving entities they nearly always are), tallying what each mode would save as it goes; only when
 * the tally picks another mode for some type is the body sized first and written again. After such a
 * miss, this many predicted bodies are sized first before writing at once is tried again, so a world
 * whose motion predicts badly pays the second pass rarely. Only speed depends on it: the bytes are the
 * same either way.
 */
const SIZE_FIRST_AFTER_MISS = 16;
let sizeFirstFor = 0;

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
  // The predictor is a frame the clients were in step at, so one the history has seen too.
  // A predictor older than the history's removals reach cannot tell which entities came back since.
  const kept = predictor === undefined ? undefined : history.kept(predictor);
  const older = kept !== undefined && kept.index >= history.oldestBase ? kept : undefined;
  if (older === undefined) {
    const modes = chooseModes(registry, changes.saved, undefined);
    const bodyModes = { modes, predictor, motion: undefined, referenceOffsets: NO_OFFSETS };
    return writeBody(registry, cache, changes, bodyModes, slab) as SharedBody;
  }
  const baseTick = changes.base.frame.tick;
  const motion = {
    older,
    returned: heldBy(older.ids, history.returnedSince(older.index)),
    ahead: changes.frame.tick - baseTick,
    span: baseTick - (predictor as WorldFrame).tick,
  };
  if (sizeFirstFor === 0) {
    const bodyModes = { modes: undefined, predictor, motion, referenceOffsets: NO_OFFSETS };
    const body = writeBody(registry, cache, changes, bodyModes, slab);
    if (body !== undefined) return body;
    sizeFirstFor = SIZE_FIRST_AFTER_MISS;
  } else {
    sizeFirstFor--;
  }
  const savedPredicted = sizePredicted(changes, motion);
  const modes = chooseModes(registry, changes.saved, savedPredicted);
  const bodyModes = { modes, predictor, motion, referenceOffsets: scratchOffsets };
  return writeBody(registry, cache, changes, bodyModes, slab) as SharedBody;
}

/** Those of `ids` (ascending) among `candidates`, or undefined when none. */
function heldBy(
  ids: readonly number[],
  candidates: ReadonlySet<number> | undefined,
): ReadonlySet<number> | undefined {
  if (candidates === undefined) return undefined;
  let held: Set<number> | undefined;
  for (const id of candidates) {
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((ids[middle] as number) < id) low = middle + 1;
      else high = middle;
    }
    if (ids[low] !== id) continue;
    held ??= new Set();
    held.add(id);
  }
  return held;
}

/**
 * Per type with relative fields, the bits its deltas save written against the prediction; the predicted
 * writes are kept in `scratchPredicted`, each record's start in `scratchOffsets`.
 */
function sizePredicted(changes: BodyChanges, motion: Motion): number[] {
  const { ids, entities } = changes;
  const { baselines, masks, relativeTypeIds, plainBits, relativeSaved } = changes.columns;
  const { older, ahead, span } = motion;
  const referenceOffsets = scratchOffsets;
  referenceOffsets.length = 0;
  const savedPredicted: number[] = [];
  const { references, packed, packedBits } = scratchPredicted;
  // Both id lists ascend: walked side by side rather than looked up.
  const olderIds = older.ids;
  let atOlder = 0;
  let nextOffset = 0;
  let lastType: AnyEntityType | undefined;
  let coder: TypeCoder | undefined;
  for (let index = 0; index < ids.length; index++) {
    const typeId = relativeTypeIds[index] as number;
    let offset = -1;
    if (typeId >= 0) {
      const id = ids[index] as number;
      const entity = entities[index] as EntityRecord;
      const type = entity.type;
      while (atOlder < olderIds.length && (olderIds[atOlder] as number) < id) atOlder++;
      const olderRecord = olderIds[atOlder] === id ? older.records[atOlder] : undefined;
      let saved: number;
      if (olderRecord !== undefined && olderRecord.type === type) {
        if (type !== lastType) {
          lastType = type;
          coder = typeCoder(type);
        }
        offset = nextOffset;
        nextOffset += type.fields.length;
        while (references.length < nextOffset) {
          references.push(0);
          packed.push(0);
          packedBits.push(0);
        }
        const baseline = baselines[index] as EntityCodes;
        const predictedBits = (coder as TypeCoder).predictedBits(
          entity.codes,
          masks[index] as number,
          baseline,
          olderRecord.codes,
          ahead,
          span,
          scratchPredicted,
          offset,
        );
        saved = (plainBits[index] as number) - predictedBits;
      } else {
        // Written against its baseline alone: the same size as written relative.
        saved = relativeSaved[index] as number;
      }
      savedPredicted[typeId] = (savedPredicted[typeId] ?? 0) + saved;
    }
    referenceOffsets.push(offset);
  }
  return savedPredicted;
}

/** Per type with relative fields, the mode that writes its deltas smallest (ties: the simpler one). */
function chooseModes(
  registry: EntityRegistry,
  saved: readonly number[],
  savedPredicted: readonly number[] | undefined,
): RelativeMode[] {
  const modes: RelativeMode[] = [];
  for (const typeId of registry.relativeTypeIds) {
    modes[typeId] = modeOf(saved[typeId] ?? 0, savedPredicted?.[typeId] ?? 0);
  }
  return modes;
}

function modeOf(relative: number, predicted: number): RelativeMode {
  if (predicted > relative && predicted > 0) return RelativeMode.predicted;
  return relative > 0 ? RelativeMode.baseline : RelativeMode.plain;
}

/**
 * Every body is written here and copied out by `finish()`: a fresh writer's buffer per body cost more than
 * the copy. Building a body never re-enters itself, and a throw mid-body is reset by the next one.
 */
const scratchWriter = new BitWriter(4096);

/**
 * Writes the changed entities and the removals (both in ascending id order) merged by id. Without
 * `modes` every type's deltas are written against the prediction where the predictor's frame had the
 * entity, and the modes are chosen from what that saved: undefined when they are not all the prediction
 * (or the baseline for a type none of whose entities the predictor's frame had), as the records written
 * would then not be the chosen ones.
 */
function writeBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  changed: BodyChanges,
  bodyModes: BodyModes,
  slab: ByteSlab,
): SharedBody | undefined {
  const { modes, motion } = bodyModes;
  const { removed } = changed;
  const { baselines, masks, relativeTypeIds, plainBits, relativeSaved } = changed.columns;
  const tick = changed.frame.tick;
  const named = bodyModes.predictor !== undefined;
  // Empty when the body was not sized against a predictor.
  const { referenceOffsets } = bodyModes;
  const hasReferences = referenceOffsets.length > 0;
  const count = changed.ids.length + removed.length;
  const writer = scratchWriter;
  writer.reset();
  writer.writeBits(0, SEQ_BITS);
  writer.writeBits(0, STREAM_BITS); // patched in per client, as the seq is
  writer.writeVarUint(tick);
  writer.writeBits(1, 1); // complete: nothing is left out
  let acked = -1;
  let predictor = -1;
  if (changed.base.empty === true) {
    // Nothing acked yet: as in a per-client snapshot, the types' fingerprint and no predictor (a client
    // that holds nothing acked has no copies to predict from).
    writer.writeBits(0, 1);
    writer.writeBits(registry.fingerprint, FINGERPRINT_BITS);
  } else {
    writer.writeBits(1, 1); // an acked snapshot is named: its distance is patched in
    acked = writer.bitLength;
    writer.writeBits(0, NEAR_BASELINE_BITS);
    if (named) {
      writer.writeBits(1, 1); // a predictor is named: its distance is patched in
      predictor = writer.bitLength;
      writer.writeBits(0, NEAR_BASELINE_BITS);
    } else {
      writer.writeBits(0, 1);
    }
  }
  const modesAt = writer.bitLength;
  for (const typeId of registry.relativeTypeIds) {
    writeRelativeMode(writer, modes === undefined ? RelativeMode.predicted : (modes[typeId] ?? 0), named);
  }
  const checksum = writer.bitLength;
  writer.writeBits(0, 32);
  writer.writeVarUint(count);
  // Written at once (no `modes`): per type, what its deltas save against the prediction, how many were
  // written against it, and how many against their baseline alone.
  const speculative = modes === undefined ? (motion as Motion) : undefined;
  const savedPredicted: number[] = [];
  const predictedDeltas: number[] = [];
  const baselineDeltas: number[] = [];
  const olderIds = speculative?.older.ids;
  let atOlder = 0;
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
  // Records come in runs of one type: the coder's lookup only when the type changes.
  let lastType: AnyEntityType | undefined;
  let coder: TypeCoder | undefined;
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
      // Left the group's view or the world: the same for every client of the body (one view, one world).
      writeKind(writer, removalKind(changed.frame, id));
      continue;
    }
    const at = next++;
    const id = changedId;
    const entity = changed.entities[at] as EntityRecord;
    const baseline = baselines[at];
    const mask = masks[at] as number;
    const relativeTypeId = relativeTypeIds[at] as number;
    if (merged) {
      ids[index] = id;
      entities[index] = entity;
    }
    const gap = gapOf(previous, id);
    previous = id;
    const type = entity.type;
    if (baseline === undefined || motion?.returned?.has(id) === true) {
      writeRecordFlag(writer, false);
      writeGap(writer, gap);
      writeKind(writer, RecordKind.full);
      writer.writeBits(registry.typeId(type), registry.typeBits);
      appendBits(writer, cache.full(type, entity.codes));
      previousMask = -1;
      continue;
    }
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
    if (type !== lastType) {
      lastType = type;
      coder = typeCoder(type);
    }
    const writes = coder as TypeCoder;
    const codes = entity.codes;
    if (relativeTypeId < 0) {
      writes.writeFields(writer, codes, mask, undefined);
    } else if (speculative !== undefined) {
      const older = speculative.older;
      const olderIdList = olderIds as readonly number[];
      while (atOlder < olderIdList.length && (olderIdList[atOlder] as number) < id) atOlder++;
      const olderRecord = olderIdList[atOlder] === id ? older.records[atOlder] : undefined;
      let saved: number;
      if (olderRecord !== undefined && olderRecord.type === type) {
        const { ahead, span } = speculative;
        const bits = writes.writeMotion(writer, codes, mask, baseline, olderRecord.codes, ahead, span);
        saved = (plainBits[at] as number) - bits;
        predictedDeltas[relativeTypeId] = (predictedDeltas[relativeTypeId] ?? 0) + 1;
      } else {
        // An entity the predictor's frame did not have is written against its baseline alone.
        writes.writeFields(writer, codes, mask, baseline);
        saved = relativeSaved[at] as number;
        baselineDeltas[relativeTypeId] = (baselineDeltas[relativeTypeId] ?? 0) + 1;
      }
      savedPredicted[relativeTypeId] = (savedPredicted[relativeTypeId] ?? 0) + saved;
    } else {
      const mode = (modes as readonly RelativeMode[])[relativeTypeId];
      const referenceOffset = hasReferences ? (referenceOffsets[at] as number) : -1;
      if (mode === RelativeMode.predicted && referenceOffset >= 0) {
        writes.writePredicted(writer, codes, mask, scratchPredicted, referenceOffset);
      } else {
        // An entity the predictor's frame did not have is written against its baseline alone.
        writes.writeFields(writer, codes, mask, mode === RelativeMode.plain ? undefined : baseline);
      }
    }
  }
  let chosen = modes;
  if (chosen === undefined) {
    const modeList: RelativeMode[] = [];
    for (const typeId of registry.relativeTypeIds) {
      const mode = modeOf(changed.saved[typeId] ?? 0, savedPredicted[typeId] ?? 0);
      const predicted = predictedDeltas[typeId] ?? 0;
      const written =
        mode === RelativeMode.predicted ||
        (mode === RelativeMode.baseline && predicted === 0) ||
        predicted + (baselineDeltas[typeId] ?? 0) === 0;
      if (!written) return undefined;
      modeList[typeId] = mode;
    }
    chosen = modeList;
  }
  const bytes = writer.finish();
  if (modes === undefined) {
    const modeBits = relativeModeBits(named);
    // A loop, not `forEach`: a closure here would put this function's locals in a context made per body.
    const typeIds = registry.relativeTypeIds;
    for (let position = 0; position < typeIds.length; position++) {
      patchBits(bytes, modesAt + position * modeBits, chosen[typeIds[position] as number] ?? 0, modeBits);
    }
  }
  return new SharedBody(
    merged ? ids : changed.ids,
    merged ? entities : changed.entities,
    bytes,
    tick,
    { acked, predictor, checksum },
    changed.share,
    chosen.includes(RelativeMode.predicted),
    bodyModes.predictor,
    slab,
  );
}
