import { BitWriter } from '../../protocol/index.js';
import { changeMask, type EntityCodes } from '../state-codes.js';
import { stateChangesBits, writeStateChanges } from '../state-encoding.js';
import { appendBits, type EncodedBits } from './bit-copy.js';
import { addShare, entityShare, headerShare } from './codes-hash.js';
import type { EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import type { FrameHistory } from './frame-history.js';
import { SEQ_BITS } from './seq.js';
import { gapOf, NEAR_BASELINE_BITS, RecordKind, writeGap, writeKind } from './wire.js';

/** A frame a client is in step at, with its index in the FrameHistory. */
export interface BaseFrame {
  readonly frame: WorldFrame;
  readonly index: number;
}

interface BodyRecord {
  readonly id: number;
  /** undefined: a removal. */
  readonly entity: EntityRecord | undefined;
  readonly kind: RecordKind;
  /** Full states: the cached encoding. */
  readonly payload: EncodedBits | undefined;
  /** Deltas: the codes in the base frame and the changed fields. */
  readonly baseline: EntityCodes | undefined;
  readonly mask: number;
}

/**
 * One snapshot body for every client in step at the same frame: the whole message written once with a
 * zero seq, acked distance and checksum, which `message` patches per client. The header before the records
 * has the same length for all of them (the acked reference is always `1` + 6 bits), so the records sit at
 * the same bit offset and are copied as bytes.
 */
export class SharedBody {
  /** Ids in the body, ascending, and their records (undefined: a removal). */
  readonly ids: readonly number[];
  readonly entities: readonly (EntityRecord | undefined)[];
  readonly #template: Uint8Array;
  readonly #tick: number;
  readonly #ackedOffset: number;
  readonly #checksumOffset: number;
  /** The records' part of the checksum; the header's share is added per client. */
  readonly #recordsShare: number;

  constructor(
    ids: readonly number[],
    entities: readonly (EntityRecord | undefined)[],
    template: Uint8Array,
    tick: number,
    offsets: { readonly acked: number; readonly checksum: number },
    recordsShare: number,
  ) {
    this.ids = ids;
    this.entities = entities;
    this.#template = template;
    this.#tick = tick;
    this.#ackedOffset = offsets.acked;
    this.#checksumOffset = offsets.checksum;
    this.#recordsShare = recordsShare;
  }

  get byteLength(): number {
    return this.#template.length;
  }

  /** The message for one client: its seq, how far back its acked snapshot is (1..64), its checksum. */
  message(seq: number, ackedDistance: number): Uint8Array {
    const bytes = this.#template.slice();
    // seq is the first 16 bits: two whole bytes, least significant first.
    bytes[0] = seq & 0xff;
    bytes[1] = seq >>> 8;
    patchBits(bytes, this.#ackedOffset, ackedDistance - 1, NEAR_BASELINE_BITS);
    patchBits(
      bytes,
      this.#checksumOffset,
      addShare(headerShare(seq, this.#tick, true), this.#recordsShare),
      32,
    );
    return bytes;
  }
}

/**
 * The records that bring a client in step at `base` to `frame`: entities changed since the base frame as
 * deltas against their codes in it (the client's implied baseline), entities new since as full states,
 * and a removal for every entity gone since (harmless for one the client never held).
 */
export function buildSharedBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  history: FrameHistory,
  frame: WorldFrame,
  base: BaseFrame,
): SharedBody {
  const records: BodyRecord[] = [];
  let ascending = true;
  let previous = -1;
  const push = (record: BodyRecord) => {
    if (record.id < previous) ascending = false;
    previous = record.id;
    records.push(record);
  };
  for (const [id, entity] of frame.entities) {
    if (!history.changedSince(id, base.index)) continue;
    const before = base.frame.entities.get(id);
    if (before !== undefined && before.type === entity.type) {
      // Written straight into the body: a body is built once per frame and base, so an encoding cached
      // per (state, baseline) would never be asked for again.
      const mask = changeMask(entity.type, before.codes, entity.codes);
      push({ id, entity, kind: RecordKind.delta, payload: undefined, baseline: before.codes, mask });
    } else {
      const payload = cache.full(entity.type, entity.codes);
      push({ id, entity, kind: RecordKind.full, payload, baseline: undefined, mask: 0 });
    }
  }
  const removed = history.removedSince(base.index);
  if (removed.length > 0) {
    const listed = new Set<number>();
    for (const id of removed) {
      if (frame.entities.has(id) || listed.has(id)) continue;
      listed.add(id);
      push({
        id,
        entity: undefined,
        kind: RecordKind.remove,
        payload: undefined,
        baseline: undefined,
        mask: 0,
      });
    }
  }
  if (!ascending) records.sort((a, b) => a.id - b.id);
  return writeBody(registry, cache, frame.tick, records);
}

function writeBody(
  registry: EntityRegistry,
  cache: EncodingCache,
  tick: number,
  records: readonly BodyRecord[],
): SharedBody {
  const relativeModes = relativeModesOf(registry, records);
  const writer = new BitWriter(64 + records.length * 8);
  writer.writeBits(0, SEQ_BITS);
  writer.writeVarUint(tick);
  writer.writeBits(1, 1); // complete: nothing is left out
  writer.writeBits(1, 1); // an acked snapshot is named: its distance is patched in
  const acked = writer.bitLength;
  writer.writeBits(0, NEAR_BASELINE_BITS);
  for (const typeId of registry.relativeTypeIds) writer.writeBits(relativeModes[typeId] ? 1 : 0, 1);
  const checksum = writer.bitLength;
  writer.writeBits(0, 32);
  writer.writeVarUint(records.length);
  const ids: number[] = new Array(records.length);
  const entities: (EntityRecord | undefined)[] = new Array(records.length);
  let share = 0;
  let previous = -1;
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as BodyRecord;
    const { id, entity, kind } = record;
    ids[index] = id;
    entities[index] = entity;
    writeGap(writer, gapOf(previous, id));
    previous = id;
    writeKind(writer, kind);
    if (entity === undefined) continue;
    share = addShare(share, entityShare(id, cache.hash(entity.codes)));
    if (kind === RecordKind.full) {
      writer.writeBits(registry.typeId(entity.type), registry.typeBits);
      appendBits(writer, record.payload as EncodedBits);
    } else {
      const relative = relativeModes[registry.typeId(entity.type)] === true;
      writeStateChanges(
        writer,
        entity.type,
        entity.codes,
        record.mask,
        relative ? record.baseline : undefined,
      );
    }
  }
  return new SharedBody(ids, entities, writer.finish(), tick, { acked, checksum }, share);
}

/** For each type with relative fields: whether its deltas, taken together, are smaller written so. */
function relativeModesOf(registry: EntityRegistry, records: readonly BodyRecord[]): boolean[] {
  const modes: boolean[] = [];
  if (registry.relativeTypeIds.length === 0) return modes;
  const saved: number[] = [];
  for (const { entity, baseline, mask } of records) {
    if (baseline === undefined || entity === undefined || !entity.type.relative) continue;
    const typeId = registry.typeId(entity.type);
    const plain = stateChangesBits(entity.type, entity.codes, mask);
    const relative = stateChangesBits(entity.type, entity.codes, mask, baseline);
    saved[typeId] = (saved[typeId] ?? 0) + plain - relative;
  }
  for (const typeId of registry.relativeTypeIds) modes[typeId] = (saved[typeId] ?? 0) > 0;
  return modes;
}

/** Overwrites `count` bits at bit `offset` (BitWriter order: least significant first). */
function patchBits(bytes: Uint8Array, offset: number, value: number, count: number): void {
  for (let bit = 0; bit < count; bit++) {
    const position = offset + bit;
    const index = position >>> 3;
    const mask = 1 << (position & 7);
    const current = bytes[index] as number;
    bytes[index] = (value >>> bit) & 1 ? current | mask : current & ~mask;
  }
}
