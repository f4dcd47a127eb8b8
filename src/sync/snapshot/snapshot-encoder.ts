import { BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import { type EntityCodes, sameCodes } from '../state-codes.js';
import type { SnapshotAck } from './ack.js';
import { appendBits, type EncodedBits } from './bit-copy.js';
import { addShare, entityShare, headerShare } from './codes-hash.js';
import { type EncodedChanges, EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import { type Candidate, PriorityAccumulator } from './priority.js';
import { SEQ_BITS, SEQ_MODULO, seqDistance } from './seq.js';
import {
  ackedRefBits,
  baselineRefBits,
  gapBits,
  gapOf,
  kindBits,
  NEAR_BASELINE_WINDOW,
  RecordKind,
  varUintBits,
  writeAckedRef,
  writeBaselineRef,
  writeGap,
  writeKind,
} from './wire.js';

export interface SnapshotEncoderOptions {
  /** Share one between the encoders of all clients of a world. Default: a cache of this encoder's own. */
  cache?: EncodingCache;
  /** This client's accumulator. Default: every entity priority 1, tier normal. */
  priority?: PriorityAccumulator;
}

export interface EncodeOptions {
  /** Bytes the snapshot may take; the header (9-10+ bytes) always goes, even over it. Default: no limit. */
  budgetBytes?: number;
}

export interface EncodedSnapshot {
  readonly bytes: Uint8Array;
  readonly seq: number;
  readonly tick: number;
  /** Every entity with something to send is in it: the client may take all others as unchanged. */
  readonly complete: boolean;
  /** Ids in the snapshot, ascending. */
  readonly sent: readonly number[];
  /** Entities with something to send that the budget left out (they keep their priority). */
  readonly leftOut: number;
}

/** Header bits besides the tick and count varuints and the acked reference: seq, complete flag, checksum. */
const FIXED_HEADER_BITS = SEQ_BITS + 1 + 32;
/** The smallest record: a 1-bit gap, the 1-bit delta kind and a 1-field mask. */
const MIN_RECORD_BITS = 3;
/** Acks older than this many snapshots are ignored: their records are long superseded. */
const PENDING_SNAPSHOTS = 1024;
/** Unacked records kept per entity; past it the client's copy of the entity counts as unknown. */
const MAX_UNACKED_RECORDS = 64;

/*
 * Inside the encoder snapshots are counted without wrapping (`at`); the wire carries `at % 65536`. Acks
 * are mapped back to the newest count with their seq, so ages compare as plain integers even for a
 * baseline many wraps old.
 */

interface SentRecord {
  readonly at: number;
  /** null: a removal. */
  readonly codes: EntityCodes | null;
}

/** What this client holds of one entity, as far as the server knows. */
interface Tracked {
  readonly type: AnyEntityType;
  /** The newest state the client acked. */
  baseline: { readonly at: number; readonly codes: EntityCodes } | undefined;
  /** Records sent after the baseline, oldest first: the client may hold any of them. */
  sent: SentRecord[];
  /** Records newer than the baseline were dropped unacked up to this one: the client's copy is unknown. */
  unknownUntil: number | undefined;
}

interface Planned {
  readonly id: number;
  readonly kind: RecordKind;
  readonly entity: EntityRecord | undefined;
  /** Deltas: the changes, written whole and (for types with relative fields) relative to the baseline. */
  readonly changes: EncodedChanges | undefined;
  /** Bits before the payload: kind, and the baseline reference or the type id. */
  readonly head: number;
  payload: EncodedBits | undefined;
  readonly baselineAt: number;
  bits: number;
}

/** The newest snapshot the client acked, when the header can name it: deltas against it need no reference. */
interface Acked {
  readonly at: number;
  readonly distance: number;
}

/**
 * The server side of snapshot sync for one client. Each `encode` sends, within the byte budget and in
 * priority order, the entities whose state the client may not hold: new ones in full, known ones as
 * changes against the newest state the client acked (its baseline for that entity), removed ones as a
 * removal until one is acked. Entities the client holds up to date are left out. `receiveAck` moves
 * baselines forward; an ack asking for a resync drops them, so the next snapshots carry full states.
 */
export class SnapshotEncoder {
  readonly #registry: EntityRegistry;
  readonly #cache: EncodingCache;
  readonly #priority: PriorityAccumulator;
  #at = 0;
  #tracked = new Map<number, Tracked>();
  /** Snapshot count → ids sent in it, for acks. */
  #pending = new Map<number, readonly number[]>();
  #resyncFrom: number | undefined;
  /** The newest snapshot count the client acked since the last resync. */
  #ackedAt: number | undefined;

  constructor(registry: EntityRegistry, options: SnapshotEncoderOptions = {}) {
    this.#registry = registry;
    this.#cache = options.cache ?? new EncodingCache();
    this.#priority = options.priority ?? new PriorityAccumulator();
  }

  /** The seq the next snapshot will carry. */
  get nextSeq(): number {
    return this.#at % SEQ_MODULO;
  }

  encode(frame: WorldFrame, options: EncodeOptions = {}): EncodedSnapshot {
    const budget = options.budgetBytes ?? Number.POSITIVE_INFINITY;
    if (!(budget >= 0)) throw new RangeError(`budgetBytes must be ≥ 0, got ${budget}`);
    if (!Number.isSafeInteger(frame.tick) || frame.tick < 0) {
      throw new RangeError(`frame tick must be a safe integer ≥ 0, got ${frame.tick}`);
    }
    const at = this.#at;
    const seq = at % SEQ_MODULO;
    const candidates = this.#candidates(frame);
    const budgetBits = budget * 8;
    const ackedDistance = this.#ackedAt === undefined ? undefined : at - this.#ackedAt;
    const acked: Acked | undefined =
      ackedDistance !== undefined && ackedDistance <= NEAR_BASELINE_WINDOW
        ? { at: at - ackedDistance, distance: ackedDistance }
        : undefined;
    const headerBits =
      FIXED_HEADER_BITS +
      varUintBits(frame.tick) +
      ackedRefBits(acked?.distance) +
      this.#registry.relativeTypeIds.length;
    // When everything fits (always, without a budget) the ranking cannot change what is sent: skip it.
    let { chosen, bits, relativeModes } = this.#planAll(at, acked, candidates, headerBits);
    if (bits <= budgetBits) {
      this.#priority.sentAll();
    } else {
      ({ chosen, bits } = this.#fillByPriority(at, acked, relativeModes, candidates, headerBits, budgetBits));
    }

    const writer = new BitWriter(Math.ceil(bits / 8) + 1);
    const complete = chosen.length === candidates.length;
    let checksum = headerShare(seq, frame.tick, complete);
    for (const planned of chosen) {
      if (planned.entity !== undefined) {
        checksum = addShare(checksum, entityShare(planned.id, this.#cache.hash(planned.entity.codes)));
      }
    }
    writer.writeBits(seq, SEQ_BITS);
    writer.writeVarUint(frame.tick);
    writer.writeBits(complete ? 1 : 0, 1);
    writeAckedRef(writer, acked?.distance);
    for (const typeId of this.#registry.relativeTypeIds) writer.writeBits(relativeModes[typeId] ? 1 : 0, 1);
    writer.writeBits(checksum, 32);
    writer.writeVarUint(chosen.length);
    let previous = -1;
    for (const planned of chosen) {
      writeGap(writer, gapOf(previous, planned.id));
      previous = planned.id;
      writeKind(writer, planned.kind);
      if (planned.kind === RecordKind.namedDelta) {
        writeBaselineRef(writer, planned.baselineAt % SEQ_MODULO, at - planned.baselineAt);
      } else if (planned.kind === RecordKind.full) {
        writer.writeBits(
          this.#registry.typeId((planned.entity as EntityRecord).type),
          this.#registry.typeBits,
        );
      }
      if (planned.payload !== undefined) appendBits(writer, planned.payload);
    }
    if (writer.bitLength !== bits) throw new Error(`snapshot size estimate ${bits} != ${writer.bitLength}`);

    this.#record(at, chosen);
    this.#at = at + 1;
    return {
      bytes: writer.finish(),
      seq,
      tick: frame.tick,
      complete,
      sent: chosen.map((planned) => planned.id),
      leftOut: candidates.length - chosen.length,
    };
  }

  /**
   * Every candidate planned, in id order, and the snapshot's size if all of them go. Per type, deltas are
   * written relative to their baselines when that is smaller over all of the type's records.
   */
  #planAll(
    at: number,
    acked: Acked | undefined,
    candidates: readonly Candidate[],
    headerBits: number,
  ): { chosen: Planned[]; bits: number; relativeModes: boolean[] } {
    const chosen: Planned[] = new Array(candidates.length);
    for (let index = 0; index < candidates.length; index++) {
      chosen[index] = this.#plan(at, acked, undefined, candidates[index] as Candidate);
    }
    const relativeModes = this.#relativeModes(chosen);
    for (const planned of chosen) choosePayload(planned, relativeModes, this.#registry);
    chosen.sort(byId);
    let bits = headerBits + varUintBits(chosen.length);
    let previous = -1;
    for (const planned of chosen) {
      bits += planned.bits + gapBits(gapOf(previous, planned.id));
      previous = planned.id;
    }
    return { chosen, bits, relativeModes };
  }

  /** For each type with relative fields: whether its deltas, taken together, are smaller written so. */
  #relativeModes(planned: readonly Planned[]): boolean[] {
    const modes: boolean[] = [];
    if (this.#registry.relativeTypeIds.length === 0) return modes;
    const saved: number[] = [];
    for (const { changes, entity } of planned) {
      if (changes?.relative === undefined || entity === undefined) continue;
      const typeId = this.#registry.typeId(entity.type);
      saved[typeId] = (saved[typeId] ?? 0) + changes.bitLength - changes.relative.bitLength;
    }
    for (const typeId of this.#registry.relativeTypeIds) modes[typeId] = (saved[typeId] ?? 0) > 0;
    return modes;
  }

  /**
   * Greedy fill, highest priority first, skipping what does not fit. Gap codes depend on the
   * neighbours, so the cost of each insertion is computed against the ids chosen so far.
   */
  #fillByPriority(
    at: number,
    acked: Acked | undefined,
    relativeModes: readonly boolean[],
    candidates: readonly Candidate[],
    headerBits: number,
    budgetBits: number,
  ): { chosen: Planned[]; bits: number } {
    const order = this.#priority.rank(candidates);
    const byId = new Map<number, Candidate>();
    for (const candidate of candidates) byId.set(candidate.id, candidate);
    const chosen: Planned[] = [];
    let bits = headerBits + varUintBits(0);
    for (const id of order) {
      if (budgetBits - bits < MIN_RECORD_BITS) break;
      const candidate = byId.get(id) as Candidate;
      const planned = this.#plan(at, acked, relativeModes, candidate);
      const index = insertionPoint(chosen, id);
      const previous = index === 0 ? -1 : (chosen[index - 1] as Planned).id;
      const following = chosen[index];
      let cost = planned.bits + gapBits(gapOf(previous, id));
      if (following !== undefined) {
        cost += gapBits(gapOf(id, following.id)) - gapBits(gapOf(previous, following.id));
      }
      cost += varUintBits(chosen.length + 1) - varUintBits(chosen.length);
      if (bits + cost > budgetBits) continue;
      bits += cost;
      chosen.splice(index, 0, planned);
    }
    for (const planned of chosen) this.#priority.sent(planned.id);
    return { chosen, bits };
  }

  /** Moves baselines to the newest acked states; an ack with `resync` set drops them all. */
  receiveAck(ack: SnapshotAck): void {
    // The newest count sent with that seq; an ack of a snapshot not sent yet (a forged one) is ignored.
    const newest =
      ack.newest === undefined || this.#at === 0
        ? undefined
        : this.#at - 1 - seqDistance((this.#at - 1) % SEQ_MODULO, ack.newest);
    if (ack.resync) {
      // An older request, reordered behind the reset it caused, must not reset again. A client that has
      // applied nothing yet is always heard: it cannot have seen a reset.
      const asked = this.#resyncFrom === undefined || newest === undefined || newest >= this.#resyncFrom;
      if (asked) {
        this.resync();
        return;
      }
    }
    if (newest === undefined) return;
    const previous = ack.previous;
    if (previous >>> 0 === previous) {
      // The usual case, a 32-bit field as read from the wire: plain shifts, and only the set bits.
      for (let back = 32; back >= 1; back--) {
        if (((previous >>> (back - 1)) & 1) === 1) this.#acked(newest - back);
      }
    } else {
      for (let back = 32; back >= 1; back--) {
        if (Math.floor(previous / 2 ** (back - 1)) % 2 === 1) this.#acked(newest - back);
      }
    }
    this.#acked(newest);
    const current = this.#resyncFrom === undefined || newest >= this.#resyncFrom;
    if (current && newest < this.#at && (this.#ackedAt === undefined || newest > this.#ackedAt)) {
      this.#ackedAt = newest;
    }
  }

  /**
   * Forgets every baseline and unacked snapshot: entities still known to the client are sent in full
   * until acked again. What the client may hold stays tracked, so removals still reach it.
   */
  resync(): void {
    for (const tracked of this.#tracked.values()) {
      tracked.baseline = undefined;
      tracked.sent = [];
      tracked.unknownUntil = undefined;
    }
    this.#pending.clear();
    this.#resyncFrom = this.#at;
    this.#ackedAt = undefined;
  }

  #candidates(frame: WorldFrame): Candidate[] {
    const candidates: Candidate[] = [];
    for (const [id, entity] of frame.entities) {
      const tracked = this.#tracked.get(id);
      if (tracked === undefined || tracked.type !== entity.type || !isHeld(tracked, entity.codes)) {
        candidates.push({ id, entity });
      }
    }
    for (const id of this.#tracked.keys()) {
      if (!frame.entities.has(id)) candidates.push({ id, entity: undefined });
    }
    return candidates;
  }

  #plan(
    at: number,
    acked: Acked | undefined,
    relativeModes: readonly boolean[] | undefined,
    { id, entity }: Candidate,
  ): Planned {
    if (entity === undefined) {
      const head = kindBits(RecordKind.remove);
      const kind = RecordKind.remove;
      return { id, kind, entity, changes: undefined, head, payload: undefined, baselineAt: 0, bits: head };
    }
    const tracked = this.#tracked.get(id);
    const baseline = tracked?.type === entity.type ? tracked.baseline : undefined;
    if (tracked !== undefined && baseline !== undefined) {
      const distance = at - baseline.at;
      // A far baseline is only safe when it is the client's newest copy: nothing sent since.
      const usable =
        distance <= NEAR_BASELINE_WINDOW || (tracked.sent.length === 0 && tracked.unknownUntil === undefined);
      if (usable && distance > 0) {
        const changes = this.#cache.changes(entity.type, entity.codes, baseline.codes);
        const kind = impliedBaseline(tracked, acked) ? RecordKind.delta : RecordKind.namedDelta;
        const head = kindBits(kind) + (kind === RecordKind.delta ? 0 : baselineRefBits(distance));
        const baselineAt = baseline.at;
        const planned = { id, kind, entity, changes, head, payload: changes, baselineAt, bits: 0 };
        planned.bits = head + changes.bitLength;
        if (relativeModes !== undefined) choosePayload(planned, relativeModes, this.#registry);
        return planned;
      }
    }
    const payload = this.#cache.full(entity.type, entity.codes);
    const head = kindBits(RecordKind.full) + this.#registry.typeBits;
    const kind = RecordKind.full;
    return {
      id,
      kind,
      entity,
      changes: undefined,
      head,
      payload,
      baselineAt: 0,
      bits: head + payload.bitLength,
    };
  }

  #record(at: number, chosen: readonly Planned[]): void {
    for (const planned of chosen) {
      let tracked = this.#tracked.get(planned.id);
      if (planned.entity !== undefined && (tracked === undefined || tracked.type !== planned.entity.type)) {
        tracked = { type: planned.entity.type, baseline: undefined, sent: [], unknownUntil: undefined };
        this.#tracked.set(planned.id, tracked);
      }
      if (tracked === undefined) continue;
      tracked.sent.push({ at, codes: planned.entity?.codes ?? null });
      if (tracked.sent.length > MAX_UNACKED_RECORDS) {
        const dropped = tracked.sent.shift() as SentRecord;
        tracked.unknownUntil = dropped.at;
      }
    }
    this.#pending.set(
      at,
      chosen.map((planned) => planned.id),
    );
    this.#pending.delete(at - PENDING_SNAPSHOTS);
  }

  #acked(at: number): void {
    const ids = this.#pending.get(at);
    if (ids === undefined) return;
    this.#pending.delete(at);
    for (const id of ids) {
      const tracked = this.#tracked.get(id);
      if (tracked === undefined) continue;
      // `sent` is in ascending `at` order, one record per snapshot.
      const sent = tracked.sent;
      let found = -1;
      for (let index = 0; index < sent.length; index++) {
        const sentAt = (sent[index] as SentRecord).at;
        if (sentAt === at) found = index;
        if (sentAt >= at) break;
      }
      if (found < 0) continue;
      const record = sent[found] as SentRecord;
      if (record.codes === null) {
        this.#tracked.delete(id);
        continue;
      }
      if (tracked.baseline !== undefined && at <= tracked.baseline.at) continue;
      tracked.baseline = { at, codes: record.codes };
      sent.splice(0, found + 1);
      if (tracked.unknownUntil !== undefined && tracked.unknownUntil <= at) {
        tracked.unknownUntil = undefined;
      }
    }
  }
}

/**
 * True when the client takes the baseline without being told: it is the newest copy the client holds from
 * snapshots up to the acked one. Every snapshot in the 32 before that ack is known received or lost
 * (and a lost one can no longer arrive: the client drops snapshots older than its newest), but a record
 * sent earlier and never acked may be held, so any unacked record up to the acked snapshot rules it out.
 */
function impliedBaseline(tracked: Tracked, acked: Acked | undefined): boolean {
  if (acked === undefined || tracked.unknownUntil !== undefined) return false;
  const baseline = tracked.baseline;
  if (baseline === undefined || baseline.at > acked.at) return false;
  const oldestUnacked = tracked.sent[0];
  return oldestUnacked === undefined || oldestUnacked.at > acked.at;
}

/** True when every copy of the entity the client may hold equals `codes`: nothing to send. */
function isHeld(tracked: Tracked, codes: EntityCodes): boolean {
  if (tracked.baseline === undefined || tracked.unknownUntil !== undefined) return false;
  if (!sameCodes(tracked.type, tracked.baseline.codes, codes)) return false;
  const sent = tracked.sent;
  for (let index = 0; index < sent.length; index++) {
    const other = (sent[index] as SentRecord).codes;
    if (other === null || !sameCodes(tracked.type, other, codes)) return false;
  }
  return true;
}

/** A delta's payload under the snapshot's per-type choice of relative writing. */
function choosePayload(planned: Planned, relativeModes: readonly boolean[], registry: EntityRegistry): void {
  const { changes, entity } = planned;
  if (changes === undefined || entity === undefined) return;
  const relative = changes.relative !== undefined && relativeModes[registry.typeId(entity.type)] === true;
  planned.payload = relative ? changes.relative : changes;
  planned.bits = planned.head + (planned.payload as EncodedBits).bitLength;
}

function byId(a: Planned, b: Planned): number {
  return a.id - b.id;
}

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
