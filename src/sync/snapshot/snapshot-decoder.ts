import { BitReader } from '../../protocol/index.js';
import type { AnyEntityType, StateOf } from '../entity.js';
import type { FieldCode } from '../field.js';
import { malformed, readBitsOf } from '../fields/codes.js';
import { codesToState, type EntityCodes } from '../state-codes.js';
import { readFullState } from '../state-encoding.js';
import { requireEnd, type SnapshotAck } from './ack.js';
import { addShare, entityShare, headerShare } from './codes-hash.js';
import type { EntityRegistry } from './entity-registry.js';
import { RecentlyGone } from './recently-gone.js';
import { SEQ_BITS, SEQ_MODULO, seqDistance, seqNewer, seqOf } from './seq.js';
import { STREAM_BITS } from './stream.js';
import { type TypeCoder, typeCoder } from './type-coder.js';
import {
  FINGERPRINT_BITS,
  isRemoval,
  MAX_ENTITY_ID,
  NEAR_BASELINE_WINDOW,
  RecordKind,
  RelativeMode,
  readAckedRef,
  readBaselineRef,
  readId,
  readKind,
  readPredictorRef,
  readRecordFlag,
  readRelativeMode,
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

/**
 * Why an entity left the client: `destroyed`, it is gone from the server's world; `leftView`, it is still
 * there but no longer in this client's view (interest management: fog of war, distance), and comes back
 * in full (as new) if it is seen again. Without views every removal is `destroyed`. `restart` is the
 * client's own (`SyncedState`, never on the wire nor in a decoder's `removedKinds`): its stream started
 * over (another room, the room's new RoomSync, a new session), so what it held went with the old stream,
 * whatever became of it; what the new stream holds comes as new, the same entities included.
 */
export const RemovalKind = { destroyed: 'destroyed', leftView: 'leftView', restart: 'restart' } as const;
export type RemovalKind = (typeof RemovalKind)[keyof typeof RemovalKind];

/** What a snapshot (or a late fill) changed of the state held: entities made, changed and removed. */
export interface EntityChanges {
  readonly created: readonly number[];
  readonly updated: readonly number[];
  readonly removed: readonly number[];
  /** Why each entity of `removed` went, at the same index. */
  readonly removedKinds: readonly RemovalKind[];
}

export type SnapshotOutcome =
  | (EntityChanges & {
      readonly kind: 'applied';
      readonly seq: number;
      readonly tick: number;
      /** Every entity not in it is unchanged as of this tick; otherwise those were just not sent. */
      readonly complete: boolean;
    })
  /** Not newer than the newest applied snapshot: dropped, and not acked. */
  | { readonly kind: 'stale'; readonly seq: number }
  /**
   * Of another stream than the one this decoder holds (another encoder's: see `streamOf`): nothing was
   * read past the header's stream and nothing changed. Its seq means nothing here; a decoder for the new
   * stream is a new decoder (`SyncedState` makes one when the stream is the client's current one).
   */
  | { readonly kind: 'otherStream'; readonly seq: number; readonly stream: number }
  /**
   * A delta named a baseline this client does not hold, or the result did not match the server's
   * checksum. Nothing was applied; the next acks ask the server for full states.
   */
  | {
      readonly kind: 'resync';
      readonly seq: number;
      readonly reason: string;
      /**
       * The snapshot held full states only, so no baseline can be wrong: its checksum failed because this
       * decoder's entity types are not the server's (see `EntityRegistry.fingerprint`).
       */
      readonly typesDiffer?: true;
      /** With `typesDiffer`: the fingerprint of the server's types, as the snapshot named it. */
      readonly serverTypes?: number;
    };

export interface SnapshotDecoderOptions {
  /**
   * The server sends resent snapshots (see `decodeResent`): keep what was held of entities removed in
   * the last 32 snapshots, which a late fill may carry a delta of. Without it they are kept from the first
   * resent snapshot on, and a late fill before that meeting such an entity answers `resync`. Default false.
   */
  resent?: boolean;
}

/**
 * What `decodeResent` answers: a `SnapshotOutcome`, or `filled` for a snapshot older than the newest
 * applied that this decoder never applied: its records were kept as copies as of its seq (later deltas
 * may name it). An entity's state is its newest record, as the server's baseline of it is: where the
 * fill's record (a state or a removal) is newer than any this client applied of the entity (the
 * snapshots since were cut by the budget and left it out), it is the entity's state now, and the
 * entity is listed as for an applied snapshot. Usually all four lists are empty.
 */
export type ResentOutcome =
  | SnapshotOutcome
  | (EntityChanges & { readonly kind: 'filled'; readonly seq: number; readonly tick: number });

/**
 * How far behind the newest applied snapshot a late fill may be: the ack's field of earlier snapshots
 * (`SnapshotAck.previous`) says which of these were applied, and a late fill's bit is set in it.
 */
const LATE_FILL_WINDOW = 32;

/** The smallest record, a repeat with nothing changed (see wire.ts): bounds a count read from the wire. */
const MIN_RECORD_BITS = 1;

/** `created` or `removed` of a snapshot without any: the usual case, so shared rather than made. */
const NONE: readonly number[] = Object.freeze([]);
const NO_KINDS: readonly RemovalKind[] = Object.freeze([]);

/** What a late fill brought on as current (see `#fillLate`), filled in as it is found. */
interface LateChanges {
  created: number[];
  updated: number[];
  removed: number[];
  removedKinds: RemovalKind[];
}

/** Reusable arrays kept per type at most (see `#recycle`). */
const POOL_LIMIT = 256;

/** Ids below this are also indexed by an array: looking one up is several times cheaper than a Map's. */
const DENSE_IDS = 1 << 16; // a small integer, not a heap number (see SEQ_MODULO)

/**
 * The ticks of the newest applied snapshots, by snapshot number modulo this: a predicted delta needs the
 * ticks of its acked and predictor snapshots, both at most 128 snapshots back (64 + 64).
 */
const TICKS_KEPT = 2 * NEAR_BASELINE_WINDOW;
/** A slot of the ticks kept: a mask, as TICKS_KEPT is a power of two (a `%` divides, see `seqOf`). */
const TICKS_MASK = TICKS_KEPT - 1;

interface Held {
  readonly type: AnyEntityType;
  readonly typeId: number;
  /**
   * Received copies and the absolute snapshot number of each, in rings: copy `i` (0 the oldest,
   * `count - 1` the current one) is in slot `(head + i) % ats.length` (see `slotOf`). Parallel arrays
   * rather than one of {at, codes} pairs, which would cost an object a record; rings so that dropping
   * the oldest copy moves nothing. A full ring grows by a push (unwrapped first if it wraps), so it ends
   * up as long as the most copies the entity held at once: 66 for one that changes in every snapshot.
   */
  ats: number[];
  copies: (EntityCodes | undefined)[];
  head: number;
  count: number;
  /** Copies still held that `get` or `codesOf` handed out, oldest first: never reused (see `#pool`). */
  lent: EntityCodes[] | undefined;
  seq: number;
  tick: number;
}

/**
 * The client side of snapshot sync. `decode` applies a snapshot as a whole or not at all: malformed
 * bytes throw a ProtocolError `BAD_FRAME`; a delta against a baseline it lacks, or a checksum that does
 * not match, returns a `resync` outcome and changes nothing. `ack()` is what to send back.
 *
 * Codes arrays: the decoder keeps a copy per entity per snapshot for 64 snapshots (any of them can be
 * named as a baseline) and then reuses the array for a later copy instead of leaving it to the garbage
 * collector (at 20 Hz every copy lives ~3 s, long enough to be promoted to the old generation). An array
 * handed out by `get` or `codesOf` is never reused: it stays as it was for as long as it is held. Only
 * `peekCodes` hands one out without that promise, for a caller that drops it when it stops being current.
 */
export class SnapshotDecoder {
  readonly #registry: EntityRegistry;
  #held = new Map<number, Held>();
  /**
   * Per type id, codes arrays of copies dropped from the window and never handed out, to be written over
   * by the next deltas of that type (arrays of one type have one length).
   */
  readonly #pool: FieldCode[][][] = [];
  /** `#held` for ids below DENSE_IDS, as an array (holes are `undefined`, so it stays packed). */
  readonly #dense: (Held | undefined)[] = [];
  /** Newest applied snapshot (none while `#newestAt` is -1): its wire seq and its number counted without wrapping. */
  #newestSeq = 0;
  #newestAt = -1;
  #previous = 0;
  #resync = false;
  /** The stream of the snapshots it takes: the first one's that applied or asked for a resync. */
  #stream: number | undefined;
  /**
   * The records of the snapshot being decoded, staged until its checksum matches. Reused from one
   * decode to the next (only the first `count` entries are current) so a snapshot allocates nothing
   * per record beyond the codes it keeps. A removal stages `undefined` codes; `held` is the entity as
   * held when the record was read, `undefined` when it is not held.
   */
  readonly #stagedIds: number[] = [];
  readonly #stagedCodes: (EntityCodes | undefined)[] = [];
  readonly #stagedTypes: (AnyEntityType | undefined)[] = [];
  readonly #stagedHeld: (Held | undefined)[] = [];
  /** For a removal record only (its other entries are stale): whether the entity only left the view. */
  readonly #stagedLeft: boolean[] = [];
  /**
   * Staged entries that may still hold an entity or its codes: a decode that did not apply (malformed,
   * resync) leaves them, and the next decode lets them go. Kept, they held removed entities' copies for
   * as long as no later snapshot had as many records.
   */
  #stagedEnd = 0;
  /** Per type id, its coder (the delta reader): see `#coderOf`. */
  readonly #coders: (TypeCoder | undefined)[] = [];
  /** Per type id, this snapshot's relative mode; reused like the staging arrays. */
  readonly #relativeModes: RelativeMode[] = [];
  /** The tick of each applied snapshot, by its number modulo TICKS_KEPT, and that number (-1: none). */
  readonly #ticks = new Float64Array(TICKS_KEPT);
  readonly #tickAts = new Float64Array(TICKS_KEPT).fill(-1);
  /**
   * Entities removed lately, for a late fill carrying a delta of one (see `decodeResent`). Kept with the
   * `resent` option, or else from the first resent snapshot on: a client whose server sends none keeps no
   * removed entity's copies.
   */
  #gone: RecentlyGone<Held> | undefined;
  /**
   * The newest applied snapshot's number when `#gone` began: removals applied up to it are not in it
   * (-1 with the `resent` option, which keeps them from the first snapshot on).
   */
  #goneSince = -1;

  constructor(registry: EntityRegistry, options: SnapshotDecoderOptions = {}) {
    this.#registry = registry;
    if (options.resent === true) this.#gone = new RecentlyGone(LATE_FILL_WINDOW);
  }

  get size(): number {
    return this.#held.size;
  }

  /** The entity as held, or undefined. Its `codes` stay as they are however long they are kept. */
  get(id: number): ClientEntity | undefined {
    const held = this.#lookup(id);
    if (held === undefined) return undefined;
    return { id, type: held.type, codes: lendCurrent(held), seq: held.seq, tick: held.tick };
  }

  /** The entity's codes as held, or undefined: `get(id)?.codes` without making the entity object. */
  codesOf(id: number): EntityCodes | undefined {
    const held = this.#lookup(id);
    return held === undefined ? undefined : lendCurrent(held);
  }

  /** The entity's type, or undefined: `get(id)?.type` without making the entity object. */
  typeOf(id: number): AnyEntityType | undefined {
    return this.#lookup(id)?.type;
  }

  /**
   * `codesOf` for reading at once: the array is only valid until the next `decode`, which may write
   * another copy over it once it is out of the window. For a caller that reads every entity of every
   * snapshot and drops what it read (as `SyncedState` does), so that those arrays can still be reused.
   */
  peekCodes(id: number): EntityCodes | undefined {
    const held = this.#lookup(id);
    return held === undefined ? undefined : currentCopy(held);
  }

  ids(): IterableIterator<number> {
    return this.#held.keys();
  }

  /** The entity's state, when it is of `type`. */
  stateOf<Entity extends AnyEntityType>(id: number, type: Entity): StateOf<Entity> | undefined {
    // The state is made of the codes' values, so the array itself is not handed out.
    const held = this.#lookup(id);
    return held?.type === type ? codesToState(type, currentCopy(held)) : undefined;
  }

  /**
   * The stream this decoder holds (see `streamOf`): that of the first snapshot it applied or answered with
   * a resync; undefined before. Another stream's snapshots are `otherStream` outcomes.
   */
  get stream(): number | undefined {
    return this.#stream;
  }

  /** True from a `resync` outcome until a snapshot applies. */
  get resyncRequested(): boolean {
    return this.#resync;
  }

  ack(): SnapshotAck {
    const newest = this.#newestAt < 0 ? undefined : this.#newestSeq;
    return { newest, previous: this.#previous, resync: this.#resync };
  }

  decode(bytes: Uint8Array): SnapshotOutcome {
    return this.#decode(bytes, false) as SnapshotOutcome;
  }

  /**
   * `decode` for a snapshot the server sent again ahead of a newer one (a chain: see docs/sync.md, "Resent
   * snapshots"). Newer than the newest applied, it is an ordinary snapshot. Older, within 32 snapshots,
   * and never applied here (its bit in the ack is clear), it is a late fill: decoded and checked as any,
   * then its records are kept as copies as of its seq, so that later snapshots may name it as their acked
   * or predictor snapshot, and its bit is set in the ack (an entity removed since is kept with what was
   * held of it when it went; one held with another type is not kept). This is sound for a complete shared
   * snapshot only, which brings the client to a whole frame: an entity that a newer applied snapshot did
   * not carry was unchanged up to it, and nothing current changes. Unless that snapshot was cut by the
   * budget: then a record newer than every one applied of its entity (a state or a removal) is the
   * entity's state now, announced in the outcome (see `ResentOutcome`). Any other snapshot older than the newest
   * applied stays `stale`, as in `decode`: a per-client snapshot the server saw as lost must never apply
   * later.
   */
  decodeResent(bytes: Uint8Array): ResentOutcome {
    if (this.#gone === undefined) {
      this.#gone = new RecentlyGone(LATE_FILL_WINDOW);
      this.#goneSince = this.#newestAt;
    }
    return this.#decode(bytes, true);
  }

  #decode(bytes: Uint8Array, lateFill: boolean): ResentOutcome {
    if (this.#stagedEnd > 0) this.#unstage();
    const registry = this.#registry;
    const reader = new BitReader(bytes);
    const seq = readBitsOf(reader, SEQ_BITS, 'snapshot seq');
    const stream = readBitsOf(reader, STREAM_BITS, 'snapshot stream');
    // Another encoder's seqs are not comparable with this stream's: nothing more is read.
    if (this.#stream !== undefined && stream !== this.#stream) return { kind: 'otherStream', seq, stream };
    const tick = readVarUintOf(reader, 'snapshot tick');
    const complete = readBitsOf(reader, 1, 'snapshot complete') === 1;
    const ackedDistance = readAckedRef(reader);
    // Before anything the types decide (relative modes, records): whether they are the server's.
    const serverTypes =
      ackedDistance === undefined ? readBitsOf(reader, FINGERPRINT_BITS, 'snapshot types') : undefined;
    if (serverTypes !== undefined && serverTypes !== registry.fingerprint) {
      return this.#needResync(
        seq,
        stream,
        "the server's entity types are not this side's (the same list, in the same order, declared alike)",
        serverTypes,
      );
    }
    const predictorDistance = ackedDistance === undefined ? undefined : readPredictorRef(reader);
    const predicted = predictorDistance !== undefined;
    // Per type with relative fields: how this snapshot's deltas of it write those fields.
    const relativeModes = this.#relativeModes;
    for (const typeId of registry.relativeTypeIds) {
      relativeModes[typeId] = readRelativeMode(reader, predicted);
    }
    const checksum = readBitsOf(reader, 32, 'snapshot checksum');
    const count = readVarUintOf(reader, 'snapshot count');
    if (count * MIN_RECORD_BITS > reader.bitsRemaining) {
      throw malformed('snapshot count', `${count} records cannot fit in ${reader.bitsRemaining} bits`);
    }
    const newestAt = this.#newestAt;
    const newestSeq = this.#newestSeq;
    let late = false;
    if (newestAt >= 0 && !seqNewer(seq, newestSeq) && !this.#cameRound(tick, newestAt)) {
      if (!lateFill || !this.#missed(seqDistance(newestSeq, seq))) return { kind: 'stale', seq };
      late = true;
    }
    // Counted on without wrapping from the first seq, so `at % 65536 === seq`; a seq that came round to
    // the newest one's is a whole seq space on.
    const at = late
      ? newestAt - seqDistance(newestSeq, seq)
      : newestAt < 0
        ? seq
        : newestAt + (seqDistance(seq, newestSeq) || SEQ_MODULO);
    const ackedAt = ackedDistance === undefined ? undefined : at - ackedDistance;
    // Predicted deltas continue each entity's motion from its copy as of the predictor snapshot to its
    // baseline (as of the acked one) up to this tick: the ticks of both snapshots are needed.
    let predictorAt = -1;
    let ahead = 0;
    let span = 0;
    if (ackedAt !== undefined && predictorDistance !== undefined) {
      predictorAt = ackedAt - predictorDistance;
      const ackedTick = this.#tickOf(ackedAt);
      const predictorTick = this.#tickOf(predictorAt);
      if (ackedTick === undefined || predictorTick === undefined) {
        return this.#needResync(seq, stream, 'the acked or the predictor snapshot was never applied here');
      }
      ahead = tick - ackedTick;
      span = ackedTick - predictorTick;
    }

    const stagedIds = this.#stagedIds;
    const stagedCodes = this.#stagedCodes;
    const stagedTypes = this.#stagedTypes;
    const stagedHeld = this.#stagedHeld;
    const stagedLeft = this.#stagedLeft;
    let sum = headerShare(seq, tick, complete);
    let previous = -1;
    // The previous record's change mask, or -1 when it had none: what a repeat takes (see wire.ts).
    let previousMask = -1;
    this.#stagedEnd = count;
    for (let index = 0; index < count; index++) {
      const repeat = readRecordFlag(reader);
      if (repeat && previousMask < 0) {
        throw malformed('snapshot record', 'a repeat must follow a record with a change mask');
      }
      const id = repeat ? nextId(previous) : readId(reader, previous);
      previous = id;
      const kind = repeat ? RecordKind.delta : readKind(reader);
      // A late fill's records are of the entity as it was then: held now, or gone since (with views,
      // maybe more than once) and then held as it was when it first went after this snapshot.
      const held = late ? this.#heldAfter(id, at) : this.#lookup(id);
      stagedIds[index] = id;
      stagedHeld[index] = held;
      if (isRemoval(kind)) {
        stagedCodes[index] = undefined;
        stagedTypes[index] = undefined;
        stagedLeft[index] = kind === RecordKind.leave;
        previousMask = -1;
        continue;
      }
      let type: AnyEntityType;
      let codes: EntityCodes;
      let hash: number;
      if (kind === RecordKind.full) {
        const typeId = readBitsOf(reader, registry.typeBits, 'snapshot entity type');
        const found = registry.types[typeId];
        if (found === undefined) throw malformed('snapshot entity type', `no type ${typeId}`);
        type = found;
        codes = readFullState(reader, type);
        // The coder knows which hash its type's codes take (the same value either way).
        hash = this.#coderOf(typeId, type).hashOf(codes);
        previousMask = -1;
      } else {
        let baseline: EntityCodes | undefined;
        // Only unnamed deltas predict (shared bodies have no others); an entity without a copy as of the
        // predictor snapshot (new since) is read against its baseline alone, as the server wrote it.
        let older: EntityCodes | undefined;
        if (kind === RecordKind.delta) {
          const index = ackedAt === undefined ? -1 : newestCopyUpTo(held, ackedAt, Number.POSITIVE_INFINITY);
          if (index < 0) {
            return this.#needResync(seq, stream, `entity ${id}: no copy up to the acked snapshot`);
          }
          const from = held as Held;
          baseline = copyOf(from, index);
          if (predicted && from.type.relative && relativeModes[from.typeId] === RelativeMode.predicted) {
            // The predictor snapshot is older than the acked one: its copy is the baseline or one before.
            const olderIndex = newestCopyUpTo(from, predictorAt, index + 1);
            older = olderIndex < 0 ? undefined : copyOf(from, olderIndex);
          }
        } else {
          const baselineSeq = readBaselineRef(reader, seq);
          baseline = namedBaseline(held, at, seq, baselineSeq);
          if (baseline === undefined) {
            return this.#needResync(seq, stream, `entity ${id}: no baseline from snapshot ${baselineSeq}`);
          }
        }
        // A baseline is only found in a held entity.
        const from = held as Held;
        type = from.type;
        const mode = from.type.relative ? (relativeModes[from.typeId] as RelativeMode) : RelativeMode.plain;
        const mask = repeat ? repeatedMask(previousMask, type) : readMask(reader, type);
        previousMask = mask;
        const array = this.#codesArray(from.typeId, baseline as EntityCodes);
        // The coder returns the codes' hash (for the checksum, below), worked out as it reads where it can.
        hash = this.#coderOf(from.typeId, type).readChanges(
          reader,
          array,
          baseline as EntityCodes,
          mask,
          mode !== RelativeMode.plain,
          older,
          ahead,
          span,
        );
        codes = array;
      }
      sum = addShare(sum, entityShare(id, hash));
      stagedCodes[index] = codes;
      stagedTypes[index] = type;
    }
    requireEnd(reader, 'snapshot');
    if (sum !== checksum)
      return this.#needResync(
        seq,
        stream,
        'checksum mismatch: a delta met the wrong baseline, or the bytes were damaged',
      );
    if (late) return this.#fillLate(count, seq, at, tick);
    return this.#apply(count, seq, stream, at, tick, complete);
  }

  /**
   * The staged records of a snapshot that checked out, applied. A method of its own rather than the end
   * of `#decode`: V8 inlines into one function only up to a total bytecode size of callees, and with
   * this part's helpers (the rings, the removals) in `#decode` the reading loop's own lost their place
   * (BENCHMARKS.md, "what V8 inlines into a decode").
   */
  #apply(
    count: number,
    seq: number,
    stream: number,
    at: number,
    tick: number,
    complete: boolean,
  ): SnapshotOutcome {
    const registry = this.#registry;
    const stagedIds = this.#stagedIds;
    const stagedCodes = this.#stagedCodes;
    const stagedTypes = this.#stagedTypes;
    const stagedHeld = this.#stagedHeld;
    const stagedLeft = this.#stagedLeft;

    let created = NONE as number[];
    const updated: number[] = [];
    let removed = NONE as number[];
    let removedKinds = NO_KINDS as RemovalKind[];
    for (let index = 0; index < count; index++) {
      const id = stagedIds[index] as number;
      const codes = stagedCodes[index];
      const held = stagedHeld[index];
      // Dropped as it is applied: staging must not keep a removed entity's codes alive.
      stagedHeld[index] = undefined;
      stagedCodes[index] = undefined;
      if (codes === undefined) {
        // Any snapshot's removals, complete or cut by the budget: a chain sent before a snapshot of the
        // client's own may arrive after it (only complete ones were kept once, and a chain delayed behind
        // a per-client snapshot that removed an entity it names asked for a resync). Kept for one not held
        // too: it says the entity was not there as of this snapshot.
        this.#gone?.add(id, at, held);
        if (held !== undefined) {
          this.#forget(id);
          if (removed === NONE) {
            removed = [];
            removedKinds = [];
          }
          removed.push(id);
          removedKinds.push(stagedLeft[index] === true ? RemovalKind.leftView : RemovalKind.destroyed);
        }
        continue;
      }
      const type = stagedTypes[index] as AnyEntityType;
      if (held === undefined || held.type !== type) {
        // A replaced entity's copies are not reused: its codes may still be read (SyncedState's removal).
        this.#keep(id, newHeld(type, registry.typeId(type), at, codes, seq, tick));
        if (created === NONE) created = [];
        created.push(id);
        continue;
      }
      pushCopy(held, at, codes);
      this.#dropOutOfWindow(held, at);
      held.seq = seq;
      held.tick = tick;
      updated.push(id);
    }
    this.#stagedEnd = 0;
    this.#stream = stream;
    this.#advance(seq, at);
    this.#gone?.expire(at);
    this.#keepTick(at, tick);
    return { kind: 'applied', seq, tick, complete, created, updated, removed, removedKinds };
  }

  /**
   * A late fill's staged records, checked, and the ack tells the server the snapshot was applied. The
   * server keeps each entity's newest acked record as what the client holds of it, whatever order acks
   * come in, so a record newer than any this client applied of its entity (a copy held, or a removal) is
   * the entity's state now: the snapshots applied since were cut by the budget and left it out. It
   * updates, makes, replaces (another type) or removes the entity, as the outcome says. Any other record
   * is history: a copy as of `at` of the entity it was read for (held now, or when it went after `at`).
   */
  #fillLate(count: number, seq: number, at: number, tick: number): ResentOutcome {
    const changes: LateChanges = {
      created: NONE as number[],
      updated: NONE as number[],
      removed: NONE as number[],
      removedKinds: NO_KINDS as RemovalKind[],
    };
    for (let index = 0; index < count; index++) {
      const id = this.#stagedIds[index] as number;
      const codes = this.#stagedCodes[index];
      const held = this.#stagedHeld[index];
      const type = this.#stagedTypes[index];
      this.#stagedHeld[index] = undefined;
      this.#stagedCodes[index] = undefined;
      if (this.#isNewestRecord(id, at)) {
        this.#bringOn(id, codes, type, this.#stagedLeft[index] === true, at, seq, tick, changes);
        continue;
      }
      if (held === undefined) {
        // Held by nothing then, and gone since: kept as it was when it went, for a later fill's delta of it.
        if (codes !== undefined) {
          const kept = newHeld(
            type as AnyEntityType,
            this.#registry.typeId(type as AnyEntityType),
            at,
            codes,
            seq,
            tick,
          );
          this.#gone?.keepUntilGone(id, at, kept);
        }
        continue;
      }
      // A removal of an entity held after it (it came back since): a gap as of this snapshot, so that no
      // later snapshot naming this one takes an older copy for the entity's state then (it had none).
      if (codes === undefined) {
        if (atOf(held, held.count - 1) > at) insertCopy(held, at, undefined);
        continue;
      }
      if (held.type !== type) continue;
      // First held after this snapshot, and gone in between (out of view and back): its copies say
      // nothing of the time between, so one as of this snapshot would stand for it. None is kept: later
      // snapshots write the entity as one back since (in full, nothing predicted from before).
      const first = atOf(held, 0);
      if (first > at && this.#gone?.wentBetween(id, at, first) === true) continue;
      insertCopy(held, at, codes);
    }
    this.#stagedEnd = 0;
    const back = this.#newestAt - at;
    this.#previous += 2 ** (back - 1);
    this.#keepTick(at, tick);
    return { kind: 'filled', seq, tick, ...changes };
  }

  /**
   * Whether a late fill's record, as of `at`, is newer than every one this client applied of entity `id`:
   * its copies held now, and its removals (kept from when `#gone` began: before, one unheld is not known).
   */
  #isNewestRecord(id: number, at: number): boolean {
    const current = this.#lookup(id);
    if (current !== undefined) return atOf(current, current.count - 1) < at;
    if (this.#goneSince > at) return false;
    const went = this.#gone?.newest(id);
    return went === undefined || went < at;
  }

  /** A late fill's record that is its entity's newest (see `#fillLate`) brought on as current. */
  #bringOn(
    id: number,
    codes: EntityCodes | undefined,
    type: AnyEntityType | undefined,
    left: boolean,
    at: number,
    seq: number,
    tick: number,
    changes: LateChanges,
  ): void {
    const current = this.#lookup(id);
    const gone = this.#gone as RecentlyGone<Held>;
    if (current !== undefined && codes !== undefined && current.type === type) {
      pushCopy(current, at, codes);
      current.seq = seq;
      current.tick = tick;
      if (changes.updated === NONE) changes.updated = [];
      changes.updated.push(id);
      return;
    }
    // Removed, or back with another type (the one held went with it): a removal as of this snapshot.
    if (codes === undefined || current !== undefined) gone.add(id, at, current);
    if (current !== undefined) {
      this.#forget(id);
      if (changes.removed === NONE) {
        changes.removed = [];
        changes.removedKinds = [];
      }
      changes.removed.push(id);
      changes.removedKinds.push(codes === undefined && left ? RemovalKind.leftView : RemovalKind.destroyed);
    }
    if (codes === undefined) return;
    const made = type as AnyEntityType;
    this.#keep(id, newHeld(made, this.#registry.typeId(made), at, codes, seq, tick));
    if (changes.created === NONE) changes.created = [];
    changes.created.push(id);
  }

  /** Whether the snapshot `back` (1..) before the newest applied one is within reach and was never applied. */
  #missed(back: number): boolean {
    // LATE_FILL_WINDOW is 32: the bit is within the unsigned 32-bit field.
    return back >= 1 && back <= LATE_FILL_WINDOW && ((this.#previous >>> (back - 1)) & 1) === 0;
  }

  /**
   * The entity `id` as held just after the snapshot numbered `at`: the one held now, unless it went since
   * (then what was held when it first went after `at`).
   */
  #heldAfter(id: number, at: number): Held | undefined {
    return this.#gone?.heldAfter(id, at) ?? this.#lookup(id);
  }

  #keepTick(at: number, tick: number): void {
    this.#ticks[at & TICKS_MASK] = tick;
    this.#tickAts[at & TICKS_MASK] = at;
  }

  /** Lets go of what a decode that did not apply staged. */
  #unstage(): void {
    this.#stagedHeld.fill(undefined, 0, this.#stagedEnd);
    this.#stagedCodes.fill(undefined, 0, this.#stagedEnd);
    this.#stagedEnd = 0;
  }

  /**
   * Copies older than the near-baseline window are never named again, but the newest of them can still
   * be the implied baseline (the newest copy up to an acked snapshot, when the entity was unchanged for
   * longer than the window before it changed): that one stays. The dropped ones' arrays go to the pool
   * unless they were handed out.
   */
  #dropOutOfWindow(held: Held, at: number): void {
    const { ats, copies } = held;
    while (held.count > 1 && at - (ats[slotOf(held, 1)] as number) > NEAR_BASELINE_WINDOW) {
      const slot = held.head;
      const codes = copies[slot];
      copies[slot] = undefined;
      held.head = slot + 1 === ats.length ? 0 : slot + 1;
      held.count--;
      // A gap (see `insertCopy`) has no array to reuse.
      if (codes === undefined) continue;
      const lent = held.lent;
      const lentIndex = lent === undefined ? -1 : lent.indexOf(codes);
      if (lentIndex < 0) this.#recycle(held.typeId, codes);
      else (lent as EntityCodes[]).splice(lentIndex, 1);
    }
  }

  #recycle(typeId: number, codes: EntityCodes): void {
    let pool = this.#pool[typeId];
    if (pool === undefined) {
      pool = [];
      this.#pool[typeId] = pool;
    }
    // Bounded: drops and deltas balance in a steady stream; only bursts of full states add to it.
    if (pool.length < POOL_LIMIT) pool.push(codes as FieldCode[]);
  }

  /**
   * An array for a delta's codes against `baseline` (codes of the type `typeId`), pooled when there is one:
   * its contents are whatever they were, all of which `readChanges` writes. Without one, a copy of the
   * baseline: packed and of its size. One made at its size (`new Array(length)`) would stay holey for good,
   * and every later use of it from the pool too, so whoever reads codes would meet two kinds of array; an
   * empty one grown by the writes was slower to make (a decoder's first 64 snapshots make all of theirs).
   */
  #codesArray(typeId: number, baseline: EntityCodes): FieldCode[] {
    return this.#pool[typeId]?.pop() ?? baseline.slice();
  }

  /** The type's coder (type id `typeId`), looked up once per type rather than once per record. */
  #coderOf(typeId: number, type: AnyEntityType): TypeCoder {
    const known = this.#coders[typeId];
    if (known !== undefined) return known;
    const coder = typeCoder(type);
    this.#coders[typeId] = coder;
    return coder;
  }

  /**
   * Whether a snapshot whose seq reads as not newer than the newest applied one (at `newestAt`) was
   * written after it all the same: its tick is later. An encoder's ticks never go back, so a snapshot
   * sent before the newest has a tick no later than its. Seqs wrap at 65,536 and read as newer only up to
   * half that on: a client that missed 32,768 or more in a row (a tab frozen for 27 minutes at 20 Hz
   * while its session stayed) took every later one for an old one until the seqs came round again (up
   * to 27 minutes more), acking none of them: its server, which stalls a client after 128 unacked
   * snapshots, sent it empty ones all that time. Taken as newer, the first applies (or asks for a
   * resync), its ack ends the stall, and the server sends what the client is missing. The checksum
   * still decides what applies.
   */
  #cameRound(tick: number, newestAt: number): boolean {
    const newestTick = this.#tickOf(newestAt);
    return newestTick !== undefined && tick > newestTick;
  }

  #tickOf(at: number): number | undefined {
    const slot = at & TICKS_MASK;
    return at >= 0 && this.#tickAts[slot] === at ? this.#ticks[slot] : undefined;
  }

  #lookup(id: number): Held | undefined {
    const dense = this.#dense;
    if (id < dense.length) return dense[id];
    return id < DENSE_IDS ? undefined : this.#held.get(id);
  }

  #keep(id: number, held: Held): void {
    this.#held.set(id, held);
    if (id >= DENSE_IDS) return;
    const dense = this.#dense;
    while (dense.length <= id) dense.push(undefined);
    dense[id] = held;
  }

  #forget(id: number): void {
    this.#held.delete(id);
    if (id < this.#dense.length) this.#dense[id] = undefined;
  }

  #needResync(seq: number, stream: number, reason: string, serverTypes?: number): SnapshotOutcome {
    this.#resync = true;
    this.#stream = stream;
    return serverTypes === undefined
      ? { kind: 'resync', seq, reason }
      : { kind: 'resync', seq, reason, typesDiffer: true, serverTypes };
  }

  #advance(seq: number, at: number): void {
    if (this.#newestAt >= 0) {
      const shift = at - this.#newestAt;
      // Bit i stands for snapshot newest - 1 - i: shift the old bits up, keep 32, mark the old newest. The
      // field is an unsigned 32-bit integer, so the usual shifts are integer operations (a double's % is the
      // x87 remainder loop, tens of cycles a snapshot).
      this.#previous =
        shift >= 1 && shift < 32
          ? ((this.#previous << shift) | (1 << (shift - 1))) >>> 0
          : shift > 32
            ? 0
            : (this.#previous % 2 ** (32 - shift)) * 2 ** shift + 2 ** (shift - 1);
    }
    this.#newestSeq = seq;
    this.#newestAt = at;
    this.#resync = false;
  }
}

function newHeld(
  type: AnyEntityType,
  typeId: number,
  at: number,
  codes: EntityCodes,
  seq: number,
  tick: number,
): Held {
  return { type, typeId, ats: [at], copies: [codes], head: 0, count: 1, lent: undefined, seq, tick };
}

/** The slot of copy `index` (0 the oldest held) in the entity's rings. */
function slotOf(held: Held, index: number): number {
  const slot = held.head + index;
  const size = held.ats.length;
  return slot < size ? slot : slot - size;
}

/** Adds the newest copy; a full ring is unwrapped (oldest first from slot 0) if it wraps, then grows. */
function pushCopy(held: Held, at: number, codes: EntityCodes): void {
  if (held.count === held.ats.length) growRing(held);
  const slot = slotOf(held, held.count);
  held.ats[slot] = at;
  held.copies[slot] = codes;
  held.count++;
}

/**
 * Puts a copy as of `at`, older than the newest one, in its place among the others (a late fill), moving
 * the newer ones up a slot. At 5 % loss a client fills about one snapshot in twenty, each for every entity
 * it carries: making new rings for each, as this once did, was much of what a fill cost.
 * Undefined codes are a gap: the entity was not in that snapshot's world (see `newestCopyUpTo`).
 */
function insertCopy(held: Held, at: number, codes: EntityCodes | undefined): void {
  // Late fills are of recent snapshots: the place is found from the newest copy back.
  let position = held.count;
  while (position > 0) {
    const before = atOf(held, position - 1);
    if (before === at) return;
    if (before < at) break;
    position--;
  }
  if (held.count === held.ats.length) growRing(held);
  // The copies after the place move one slot on, newest first, in the rings as they are.
  const { ats, copies } = held;
  for (let index = held.count; index > position; index--) {
    const to = slotOf(held, index);
    const from = slotOf(held, index - 1);
    ats[to] = ats[from] as number;
    copies[to] = copies[from];
  }
  const slot = slotOf(held, position);
  ats[slot] = at;
  copies[slot] = codes;
  held.count++;
}

/** Makes room for one more copy in full rings: unwrapped first (oldest in slot 0) if they wrap. */
function growRing(held: Held): void {
  if (held.head !== 0) {
    const size = held.ats.length;
    const ats: number[] = [];
    const copies: (EntityCodes | undefined)[] = [];
    for (let index = 0; index < size; index++) {
      const slot = slotOf(held, index);
      ats.push(held.ats[slot] as number);
      copies.push(held.copies[slot]);
    }
    held.ats = ats;
    held.copies = copies;
    held.head = 0;
  }
  held.ats.push(-1);
  held.copies.push(undefined);
}

/** Copy `index` of the entity (0 the oldest held). */
function copyOf(held: Held, index: number): EntityCodes {
  return held.copies[slotOf(held, index)] as EntityCodes;
}

/** The absolute snapshot number of copy `index`. */
function atOf(held: Held, index: number): number {
  return held.ats[slotOf(held, index)] as number;
}

function currentCopy(held: Held): EntityCodes {
  return copyOf(held, held.count - 1);
}

/** The current copy, marked so that it is never reused. */
function lendCurrent(held: Held): EntityCodes {
  const codes = currentCopy(held);
  const lent = held.lent;
  if (lent === undefined) held.lent = [codes];
  else if (lent[lent.length - 1] !== codes) lent.push(codes);
  return codes;
}

/**
 * The index of the newest copy from a snapshot up to `at` among the copies below index `before`, or -1:
 * the baseline of an unnamed delta (up to the acked snapshot), then its copy as of the predictor snapshot,
 * scanning on from the baseline's index.
 */
function newestCopyUpTo(held: Held | undefined, at: number, before: number): number {
  if (held === undefined) return -1;
  const ats = held.ats;
  for (let index = Math.min(held.count, before) - 1; index >= 0; index--) {
    const slot = slotOf(held, index);
    // A gap: the entity was not there as of that snapshot, so it has no state up to `at`.
    if ((ats[slot] as number) <= at) return held.copies[slot] === undefined ? -1 : index;
  }
  return -1;
}

/** The copy a delta names: one within 64 snapshots by its number, an older one only as the newest. */
function namedBaseline(
  held: Held | undefined,
  at: number,
  seq: number,
  baselineSeq: number,
): EntityCodes | undefined {
  if (held === undefined) return undefined;
  const distance = seqDistance(seq, baselineSeq);
  if (distance >= 1 && distance <= NEAR_BASELINE_WINDOW) {
    // Copies are in ascending `at` order and recent baselines are the usual ones: search from the end.
    const target = at - distance;
    for (let index = held.count - 1; index >= 0; index--) {
      const copyAt = atOf(held, index);
      // A gap's copy is undefined: no baseline.
      if (copyAt === target) return held.copies[slotOf(held, index)];
      if (copyAt < target) break;
    }
    return undefined;
  }
  const last = held.count - 1;
  const lastAt = atOf(held, last);
  if (seqOf(lastAt) !== baselineSeq || at - lastAt <= NEAR_BASELINE_WINDOW) {
    return undefined;
  }
  return copyOf(held, last);
}

/** A delta's change mask, `readStateChanges`'s first part. */
function readMask(reader: BitReader, type: AnyEntityType): number {
  const length = type.fields.length;
  // Checked here so the error's path is only built for a truncated record, not for every one.
  if (length > reader.bitsRemaining) readBitsOf(reader, length, `${type.name} change mask`);
  return reader.readBits(length);
}

/*
 * The per-record helpers below make their errors out of line (the functions after them): V8 inlines a
 * function's callees only up to a total bytecode size, and a message built in place spent that budget on
 * what a valid snapshot never runs (BENCHMARKS.md, "what V8 inlines into a decode").
 */

/** The previous record's mask for a repeat: it must name only fields this entity's type has. */
function repeatedMask(mask: number, type: AnyEntityType): number {
  const length = type.fields.length;
  if (length < 32 && mask >>> length !== 0) throw maskPastFields(type);
  return mask;
}

/** The id after `previous` (a repeat's), BAD_FRAME past the largest id. */
function nextId(previous: number): number {
  if (previous + 1 > MAX_ENTITY_ID) throw idPastLargest(previous + 1);
  return previous + 1;
}

function maskPastFields(type: AnyEntityType): Error {
  return malformed('snapshot record', `a repeated mask names fields ${type.name} does not have`);
}

function idPastLargest(id: number): Error {
  return malformed('snapshot entity id', `${id} is past the largest id`);
}
