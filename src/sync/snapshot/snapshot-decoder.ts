import { BitReader } from '../../protocol/index.js';
import type { AnyEntityType, StateOf } from '../entity.js';
import { malformed, readBitsOf } from '../fields/codes.js';
import { codesToState, type EntityCodes } from '../state-codes.js';
import { readFullState, readStateChanges } from '../state-encoding.js';
import { requireEnd, type SnapshotAck } from './ack.js';
import { addShare, entityShare, hashCodes, headerShare } from './codes-hash.js';
import type { EntityRegistry } from './entity-registry.js';
import { SEQ_BITS, SEQ_MODULO, seqDistance, seqNewer } from './seq.js';
import {
  NEAR_BASELINE_WINDOW,
  RecordKind,
  readAckedRef,
  readBaselineRef,
  readId,
  readKind,
  readVarUintOf,
} from './wire.js';

/** An entity as the client holds it. */
export interface ClientEntity {
  readonly id: number;
  readonly type: AnyEntityType;
  readonly codes: EntityCodes;
  /** The newest snapshot that carried this entity, and its tick. */
  readonly seq: number;
  readonly tick: number;
}

export type SnapshotOutcome =
  | {
      readonly kind: 'applied';
      readonly seq: number;
      readonly tick: number;
      /** Every entity not in it is unchanged as of this tick; otherwise those were just not sent. */
      readonly complete: boolean;
      readonly created: readonly number[];
      readonly updated: readonly number[];
      readonly removed: readonly number[];
    }
  /** Not newer than the newest applied snapshot: dropped, and not acked. */
  | { readonly kind: 'stale'; readonly seq: number }
  /**
   * A delta named a baseline this client does not hold, or the result did not match the server's
   * checksum. Nothing was applied; the next acks ask the server for full states.
   */
  | { readonly kind: 'resync'; readonly seq: number; readonly reason: string };

/** Smallest record: 1-bit gap, 1-bit delta kind and a 1-field mask; bounds a count read from the wire. */
const MIN_RECORD_BITS = 3;

interface Held {
  readonly type: AnyEntityType;
  /** Received copies by absolute snapshot number, oldest first; the last is the current one. */
  copies: { readonly at: number; readonly codes: EntityCodes }[];
  seq: number;
  tick: number;
}

type Staged =
  | { readonly id: number; readonly kind: 'state'; readonly type: AnyEntityType; readonly codes: EntityCodes }
  | { readonly id: number; readonly kind: 'remove' };

/**
 * The client side of snapshot sync. `decode` applies a snapshot as a whole or not at all: malformed
 * bytes throw a ProtocolError `BAD_FRAME`; a delta against a baseline it lacks, or a checksum that does
 * not match, returns a `resync` outcome and changes nothing. `ack()` is what to send back.
 */
export class SnapshotDecoder {
  readonly #registry: EntityRegistry;
  #held = new Map<number, Held>();
  /** Newest applied snapshot: its wire seq and its number counted without wrapping. */
  #newest: { seq: number; at: number } | undefined;
  #previous = 0;
  #resync = false;

  constructor(registry: EntityRegistry) {
    this.#registry = registry;
  }

  get size(): number {
    return this.#held.size;
  }

  /** The entity as held, or undefined. */
  get(id: number): ClientEntity | undefined {
    const held = this.#held.get(id);
    const current = held?.copies[held.copies.length - 1];
    if (held === undefined || current === undefined) return undefined;
    return { id, type: held.type, codes: current.codes, seq: held.seq, tick: held.tick };
  }

  ids(): IterableIterator<number> {
    return this.#held.keys();
  }

  /** The entity's state, when it is of `type`. */
  stateOf<Entity extends AnyEntityType>(id: number, type: Entity): StateOf<Entity> | undefined {
    const entity = this.get(id);
    return entity?.type === type ? codesToState(type, entity.codes) : undefined;
  }

  /** True from a `resync` outcome until a snapshot applies. */
  get resyncRequested(): boolean {
    return this.#resync;
  }

  ack(): SnapshotAck {
    return { newest: this.#newest?.seq, previous: this.#previous, resync: this.#resync };
  }

  decode(bytes: Uint8Array): SnapshotOutcome {
    const reader = new BitReader(bytes);
    const seq = readBitsOf(reader, SEQ_BITS, 'snapshot seq');
    const tick = readVarUintOf(reader, 'snapshot tick');
    const complete = readBitsOf(reader, 1, 'snapshot complete') === 1;
    const ackedDistance = readAckedRef(reader);
    // Per type with relative fields: whether this snapshot's deltas of it are written relative.
    const relativeModes: boolean[] = [];
    for (const typeId of this.#registry.relativeTypeIds) {
      relativeModes[typeId] = readBitsOf(reader, 1, 'snapshot relative flags') === 1;
    }
    const checksum = readBitsOf(reader, 32, 'snapshot checksum');
    const count = readVarUintOf(reader, 'snapshot count');
    if (count * MIN_RECORD_BITS > reader.bitsRemaining) {
      throw malformed('snapshot count', `${count} records cannot fit in ${reader.bitsRemaining} bits`);
    }
    const newest = this.#newest;
    if (newest !== undefined && !seqNewer(seq, newest.seq)) return { kind: 'stale', seq };
    // Counted on without wrapping from the first seq, so `at % 65536 === seq`.
    const at = newest === undefined ? seq : newest.at + seqDistance(seq, newest.seq);

    const staged: Staged[] = [];
    let sum = headerShare(seq, tick, complete);
    let previous = -1;
    for (let index = 0; index < count; index++) {
      const id = readId(reader, previous);
      previous = id;
      const kind = readKind(reader);
      if (kind === RecordKind.remove) {
        staged.push({ id, kind: 'remove' });
        continue;
      }
      let type: AnyEntityType;
      let codes: EntityCodes;
      if (kind === RecordKind.full) {
        const typeId = readBitsOf(reader, this.#registry.typeBits, 'snapshot entity type');
        const found = this.#registry.types[typeId];
        if (found === undefined) throw malformed('snapshot entity type', `no type ${typeId}`);
        type = found;
        codes = readFullState(reader, type);
      } else if (kind === RecordKind.delta) {
        const baseline =
          ackedDistance === undefined ? undefined : this.#impliedBaseline(id, at - ackedDistance);
        if (baseline === undefined) {
          return this.#needResync(seq, `entity ${id}: no copy up to the acked snapshot`);
        }
        type = baseline.type;
        codes = readStateChanges(reader, type, baseline.codes, relativeModes[this.#registry.typeId(type)]);
      } else {
        const baselineSeq = readBaselineRef(reader, seq);
        const baseline = this.#baseline(id, at, seq, baselineSeq);
        if (baseline === undefined) {
          return this.#needResync(seq, `entity ${id}: no baseline from snapshot ${baselineSeq}`);
        }
        type = baseline.type;
        codes = readStateChanges(reader, type, baseline.codes, relativeModes[this.#registry.typeId(type)]);
      }
      sum = addShare(sum, entityShare(id, hashCodes(codes)));
      staged.push({ id, kind: 'state', type, codes });
    }
    requireEnd(reader, 'snapshot');
    if (sum !== checksum)
      return this.#needResync(
        seq,
        'checksum mismatch: a delta met the wrong baseline, or the bytes were damaged',
      );

    const created: number[] = [];
    const updated: number[] = [];
    const removed: number[] = [];
    for (const record of staged) {
      if (record.kind === 'remove') {
        if (this.#held.delete(record.id)) removed.push(record.id);
        continue;
      }
      const held = this.#held.get(record.id);
      if (held === undefined || held.type !== record.type) {
        this.#held.set(record.id, {
          type: record.type,
          copies: [{ at, codes: record.codes }],
          seq,
          tick,
        });
        created.push(record.id);
      } else {
        held.copies.push({ at, codes: record.codes });
        // Copies older than the near-baseline window are never named again, but the newest of them can
        // still be the implied baseline (the newest copy up to an acked snapshot, when the entity was
        // unchanged for longer than the window before it changed): keep that one.
        while (held.copies.length > 1 && at - (held.copies[1]?.at ?? at) > NEAR_BASELINE_WINDOW) {
          held.copies.shift();
        }
        held.seq = seq;
        held.tick = tick;
        updated.push(record.id);
      }
    }
    this.#advance(seq, at);
    return { kind: 'applied', seq, tick, complete, created, updated, removed };
  }

  /** The baseline of an unnamed delta: the newest copy from a snapshot up to the acked one. */
  #impliedBaseline(id: number, ackedAt: number): { type: AnyEntityType; codes: EntityCodes } | undefined {
    const held = this.#held.get(id);
    if (held === undefined) return undefined;
    const copies = held.copies;
    for (let index = copies.length - 1; index >= 0; index--) {
      const copy = copies[index] as Held['copies'][number];
      if (copy.at <= ackedAt) return { type: held.type, codes: copy.codes };
    }
    return undefined;
  }

  /** The copy a delta names: one within 64 snapshots by its number, an older one only as the newest. */
  #baseline(
    id: number,
    at: number,
    seq: number,
    baselineSeq: number,
  ): { type: AnyEntityType; codes: EntityCodes } | undefined {
    const held = this.#held.get(id);
    if (held === undefined) return undefined;
    const distance = seqDistance(seq, baselineSeq);
    if (distance >= 1 && distance <= NEAR_BASELINE_WINDOW) {
      // Copies are in ascending `at` order and recent baselines are the usual ones: search from the end.
      const target = at - distance;
      const copies = held.copies;
      for (let index = copies.length - 1; index >= 0; index--) {
        const copy = copies[index] as Held['copies'][number];
        if (copy.at === target) return { type: held.type, codes: copy.codes };
        if (copy.at < target) break;
      }
      return undefined;
    }
    const last = held.copies[held.copies.length - 1];
    if (last === undefined || last.at % SEQ_MODULO !== baselineSeq || at - last.at <= NEAR_BASELINE_WINDOW) {
      return undefined;
    }
    return { type: held.type, codes: last.codes };
  }

  #needResync(seq: number, reason: string): SnapshotOutcome {
    this.#resync = true;
    return { kind: 'resync', seq, reason };
  }

  #advance(seq: number, at: number): void {
    const newest = this.#newest;
    if (newest !== undefined) {
      const shift = at - newest.at;
      // Bit i stands for snapshot newest - 1 - i: shift the old bits up, keep 32, mark the old newest.
      this.#previous = shift > 32 ? 0 : (this.#previous % 2 ** (32 - shift)) * 2 ** shift + 2 ** (shift - 1);
    }
    this.#newest = { seq, at };
    this.#resync = false;
  }
}
