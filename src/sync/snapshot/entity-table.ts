import { type CodesCheck, codesCheck } from '../codes-check.js';
import type { AnyEntityType, StateOf } from '../entity.js';
import type { EntityCodes } from '../state-codes.js';
import { type StateQuantizer, stateQuantizer } from '../state-quantizer.js';
import { MAX_ENTITY_ID } from './wire.js';

/** An entity as a snapshot sees it: its type and its quantized codes. */
export interface EntityRecord {
  readonly type: AnyEntityType;
  readonly codes: EntityCodes;
}

/** The server's world at one tick: what `SnapshotEncoder.encode` sends from. */
export interface WorldFrame {
  readonly tick: number;
  readonly entities: ReadonlyMap<number, EntityRecord>;
  /**
   * For a client's view of the world (`frameView` sets it): the whole world's frame it was taken from.
   * An entity the client held that is in `whole` but not in this frame only left the view, and its removal
   * says so; one in neither was removed from the world. Undefined (the frame is the whole world): every
   * removal is one from the world.
   */
  readonly whole?: WorldFrame | undefined;
}

export interface EntityTableOptions<Types extends AnyEntityType = AnyEntityType> {
  /** The only entity types the table takes. Default: any. */
  types?: readonly Types[];
}

/**
 * The server's entities by id, quantized. It keeps an entity's codes array as it is while the state does
 * not change, which is what lets `EncodingCache` (keyed by array identity) serve every client from one
 * encode; a change makes a new array and a new record, never edits the old ones (frames still hold them).
 * Records and codes are readonly by type and not frozen at run time: freezing them cost about as much
 * as the rest of a write. Ids count up from 0 and are never reused, so a client can never mistake a new
 * entity for an old one whose removal it has not heard of yet.
 */
export class EntityTable<Types extends AnyEntityType = AnyEntityType> {
  #entities = new Map<number, Slot>();
  #nextId = 0;
  /** The types it takes (undefined: any), and their names for the error. */
  readonly #types: ReadonlySet<AnyEntityType> | undefined;
  readonly #typeNames: string;

  /**
   * `types`: the only entity types it takes (a snapshot can carry only registered ones: `RoomSync` passes
   * its own); `spawn` refuses any other at once. Default: any type.
   */
  constructor(options: EntityTableOptions<Types> = {}) {
    const types = options.types;
    this.#types = types === undefined ? undefined : new Set(types);
    this.#typeNames = types === undefined ? '' : types.map((type) => type.name).join(', ');
  }

  get size(): number {
    return this.#entities.size;
  }

  /**
   * Adds an entity and returns its id. Throws like `stateToCodes` for a state with no codes, and a
   * RangeError for a type not among the table's `types`.
   */
  spawn<Entity extends Types>(type: Entity, state: StateOf<Entity>): number {
    if (this.#types !== undefined && !this.#types.has(type)) {
      throw new RangeError(
        `entity type '${type?.name}' is not one of this world's types (${this.#typeNames}): register it ` +
          "where the world was made (RoomSync's `types`, at the end, and the same list on the clients)",
      );
    }
    if (this.#nextId > MAX_ENTITY_ID) throw new RangeError('entity ids exhausted');
    const quantizer = stateQuantizer(type);
    const codes = quantizer.codes(state);
    const id = this.#nextId++;
    this.#entities.set(id, new Slot(id, new TableRecord(type, codes), quantizer, codesCheck(type)));
    return id;
  }

  /**
   * Sets the entity's state; the record (and its codes array) stays the same object when it quantizes to
   * the codes it has. `type` must be the entity's (a RangeError otherwise): it types `state`. A state
   * with no codes throws like `stateToCodes` and leaves the entity as it was.
   *
   * For a type whose fields are all floats, ints and angles, a state whose values all have codes is only
   * copied here (as numbers) and quantized when the entity is next read (`get`, `frame`): a simulation
   * that steps several times per snapshot quantizes once per snapshot, not once per step. The codes are
   * the same as if quantized at once; the values are copied, so the caller may reuse its state object.
   */
  update<Entity extends Types>(id: number, type: Entity, state: StateOf<Entity>): void {
    const slot = this.#require(id);
    const record = slot.record;
    if (record.type !== type) {
      throw new RangeError(`entity ${id} is a ${record.type.name}, not a ${type.name}`);
    }
    const stashed = slot.stashed;
    if (stashed !== undefined && slot.quantizer.stash(state, stashed)) {
      slot.pending = true;
      return;
    }
    // Quantized at once: what is pending goes first, so that a refused state leaves the newest accepted one.
    settle(slot);
    // Compared while quantizing: an unchanged state allocates nothing and keeps its record.
    const codes = slot.quantizer.changedCodes(state, slot.record.codes);
    if (codes === undefined) return;
    slot.record = new TableRecord(type, codes);
  }

  /**
   * Replaces the codes; unchanged codes keep the record. Each code that differs from the entity's is
   * checked against its field first: codes of another length, or a code no `quantize` gives (out of the
   * field's range, fractional, NaN, a vector or quaternion of the wrong shape, a quaternion that is not
   * canonical, text too long), throw a RangeError naming the entity, its type and the field, and nothing
   * is stored (a written state not read yet stays). Taken, such a code would have failed every member's
   * snapshot until the entity changed again. Codes from `stateToCodes`, or read from a decoder, pass.
   */
  updateCodes(id: number, codes: EntityCodes): void {
    const slot = this.#require(id);
    const record = slot.record;
    // Copied, inner arrays too: the caller's arrays are theirs to reuse.
    const changed = slot.check.changedCopy(codes, record.codes, id);
    slot.pending = false;
    if (changed !== undefined) slot.record = new TableRecord(record.type, changed);
  }

  remove(id: number): boolean {
    return this.#entities.delete(id);
  }

  /**
   * The entity's record as of now: its type and quantized codes (not a state; `codesToState(record.type,
   * record.codes)` gives one), undefined when there is no such entity.
   */
  get(id: number): EntityRecord | undefined {
    const slot = this.#entities.get(id);
    if (slot === undefined) return undefined;
    settle(slot);
    return slot.record;
  }

  /** The world as it is now, for one tick's snapshots; later changes do not touch it. */
  frame(tick: number): TableFrame {
    // Ids count up and a Map keeps insertion order, so these are in ascending id order.
    // Made at their size: grown by pushes, they left copies behind every tick. The slots carry their ids:
    // iterating the Map's entries made an [id, slot] pair per entity per frame (64 bytes each, a third of
    // what a frame of the W2 arena allocated).
    const ids: number[] = new Array(this.#entities.size);
    const records: EntityRecord[] = new Array(this.#entities.size);
    let index = 0;
    for (const slot of this.#entities.values()) {
      if (slot.pending) settle(slot);
      ids[index] = slot.id;
      records[index++] = slot.record;
    }
    return new TableFrame(tick, ids, records);
  }

  #require(id: number): Slot {
    const slot = this.#entities.get(id);
    if (slot === undefined) throw new RangeError(`no entity ${id}`);
    return slot;
  }
}

/**
 * Where the table holds an entity: its current record, replaced (never edited) on a change, so a write
 * looks the id up once and does not set it again; its type's quantizer and codes check, so a write does
 * not look those up either; and, for a type that can defer its quantizing, the newest written state's
 * numbers.
 */
class Slot {
  /** The entity's id, so that `frame` walks the Map's values, not its entries. */
  readonly id: number;
  record: EntityRecord;
  readonly quantizer: StateQuantizer;
  /** Its type's check of codes given whole (`updateCodes`). */
  readonly check: CodesCheck;
  /** The newest written state, when `pending`: one number per field (deferrable types only). */
  readonly stashed: Float64Array | undefined;
  /** Whether `stashed` holds a state written after `record`'s. */
  pending = false;

  constructor(id: number, record: EntityRecord, quantizer: StateQuantizer, check: CodesCheck) {
    this.id = id;
    this.record = record;
    this.quantizer = quantizer;
    this.check = check;
    this.stashed = quantizer.deferrable ? new Float64Array(record.codes.length) : undefined;
  }
}

/** Quantizes the slot's pending state into its record (a new one only when a code changed). */
function settle(slot: Slot): void {
  if (!slot.pending) return;
  slot.pending = false;
  const record = slot.record;
  const codes = slot.quantizer.codesFromStash(slot.stashed as Float64Array, record.codes);
  if (codes !== undefined) slot.record = new TableRecord(record.type, codes);
}

/**
 * What `owner` (a FrameHistory) keeps of the frame, held by the frame itself so that it lives and dies
 * with it. A WeakMap keyed by frames did the same on paper, but V8's young-generation collector keeps a
 * WeakMap value alive while its table is old, whether or not the key is: every frame's memo since the
 * last full collection was copied on every scavenge (about 2 MB survived each in a long-running room with
 * 32 clients, against 0.6 MB with the memo on the frame, and the scavenges took twice as long).
 */
export let frameMemo: (frame: TableFrame, owner: object) => unknown;

/**
 * Keeps `memo` for `owner` on the frame; false when another owner's memo is there already (a frame seen
 * by two histories: the second keeps its own elsewhere).
 */
export let keepFrameMemo: (frame: TableFrame, owner: object, memo: unknown) => boolean;

/**
 * A frame of an EntityTable: its entities as parallel arrays in ascending id order, which is what shared
 * snapshot bodies walk. The `entities` Map is built on first use only: clients served from shared bodies
 * never ask for it, and copying the table's Map every tick cost more than the arrays.
 */
export class TableFrame implements WorldFrame {
  readonly tick: number;
  readonly ids: readonly number[];
  readonly records: readonly EntityRecord[];
  readonly whole: WorldFrame | undefined;
  #entities: ReadonlyMap<number, EntityRecord> | undefined;
  /** What one FrameHistory keeps of this frame, and that history (see `frameMemo`). */
  #memoOwner: object | undefined;
  #memo: unknown;

  static {
    frameMemo = (frame, owner) => (frame.#memoOwner === owner ? frame.#memo : undefined);
    keepFrameMemo = (frame, owner, memo) => {
      if (frame.#memoOwner !== undefined && frame.#memoOwner !== owner) return false;
      frame.#memoOwner = owner;
      frame.#memo = memo;
      return true;
    };
  }

  constructor(
    tick: number,
    ids: readonly number[],
    records: readonly EntityRecord[],
    whole?: WorldFrame | undefined,
  ) {
    this.tick = tick;
    this.ids = ids;
    this.records = records;
    this.whole = whole;
    Object.freeze(this);
  }

  get entities(): ReadonlyMap<number, EntityRecord> {
    if (this.#entities === undefined) {
      const entities = new Map<number, EntityRecord>();
      for (let index = 0; index < this.ids.length; index++) {
        entities.set(this.ids[index] as number, this.records[index] as EntityRecord);
      }
      this.#entities = entities;
    }
    return this.#entities;
  }
}

/**
 * The table's records. A class, not an object literal: a literal is an allocation site, which V8 may
 * decide to pretenure (allocate straight in the old generation) when its objects outlive a few scavenges,
 * as they do while the heap is small at start; records then lived out their 64 snapshots (as long as a
 * frame is kept) in the old generation, growing it every tick with page faults for each new page. Objects
 * made by `new` always start young. Plain data all the same: two own enumerable fields.
 */
class TableRecord implements EntityRecord {
  readonly type: AnyEntityType;
  readonly codes: EntityCodes;

  constructor(type: AnyEntityType, codes: EntityCodes) {
    this.type = type;
    this.codes = codes;
  }
}
