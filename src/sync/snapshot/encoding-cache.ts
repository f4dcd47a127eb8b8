import { BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import { changeMask, type EntityCodes } from '../state-codes.js';
import { writeFullState, writeStateChanges } from '../state-encoding.js';
import type { EncodedBits } from './bit-copy.js';
import { hashCodes } from './codes-hash.js';

/**
 * An entity's changes against one baseline, encoded once: the mask and the fields it names, written whole,
 * and (for types with relative fields) written relative to the baseline.
 */
export interface EncodedChanges extends EncodedBits {
  readonly mask: number;
  readonly relative: EncodedBits | undefined;
}

interface Entry {
  full?: EncodedBits;
  hash?: number;
  /**
   * Made on the first delta: most states are only ever hashed or sent in full. Keyed by the baseline's
   * codes, and as short-lived as the entry (see `EncodingCache`): a baseline is usually an earlier state
   * of the same entity, so entries kept for as long as their states lived once kept every state the
   * entity ever had reachable from its newest one.
   */
  deltas?: Map<EntityCodes, EncodedChanges>;
}

/**
 * Entries one generation holds at most: past it the generation is retired early, so that frames whose
 * ticks never change cannot grow the cache without bound.
 */
const MAX_GENERATION_ENTRIES = 1 << 16;

/**
 * Every encoding is written here and copied out by `finish()` (at its exact length, as a writer of its own
 * gave it): a writer per encoding made a buffer, a view and an object that were garbage at once. No
 * encoding here re-enters another, and each starts with a reset, so a throw mid-write leaves nothing.
 */
const scratchWriter = new BitWriter(256);

/**
 * Encodings keyed by the identity of the codes arrays: the current state's, and the baseline's. Share
 * one cache between the encoders of every client of a world, and keep an entity's codes array unchanged
 * while its state is (EntityTable does), so clients holding the same baseline cost one encode, not one
 * each.
 *
 * Entries live in generations: each new frame tick an encoder starts (`startFrame`) retires the
 * generation before the last, so an encoding not asked for during two ticks is made again if asked for
 * later (rarely: the clients of a tick share one). Not WeakMaps keyed by the codes, as before: V8's
 * young-generation collector keeps the values of a WeakMap whose table is old alive whatever becomes of
 * their keys, so every encoding made since the last full collection, and every baseline it named, was
 * copied on every scavenge (a room of 32 clients served one by one: 2.2 MB survived each, against
 * 1.25 MB with generations, and its ticks took a quarter less; see BENCHMARKS.md).
 */
export class EncodingCache {
  #current = new Map<EntityCodes, Entry>();
  #previous = new Map<EntityCodes, Entry>();
  #tick: number | undefined;
  #hits = 0;
  #misses = 0;

  /**
   * An encoder starts encoding a frame of tick `tick` (SnapshotEncoder calls it): the first call of a
   * new tick retires the generation before the last. Calls for the tick already started cost nothing.
   */
  startFrame(tick: number): void {
    if (tick === this.#tick) return;
    this.#tick = tick;
    this.#retire();
  }

  /** Encodings served from the cache, and encodings computed. */
  get stats(): { readonly hits: number; readonly misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  full(type: AnyEntityType, codes: EntityCodes): EncodedBits {
    const entry = this.#entry(codes);
    if (entry.full !== undefined) {
      this.#hits++;
      return entry.full;
    }
    this.#misses++;
    const writer = scratchWriter;
    writer.reset();
    writeFullState(writer, type, codes);
    entry.full = { bytes: writer.finish(), bitLength: writer.bitLength };
    return entry.full;
  }

  changes(type: AnyEntityType, codes: EntityCodes, baseline: EntityCodes): EncodedChanges {
    const entry = this.#entry(codes);
    entry.deltas ??= new Map();
    const deltas = entry.deltas;
    const cached = deltas.get(baseline);
    if (cached !== undefined) {
      this.#hits++;
      return cached;
    }
    this.#misses++;
    const mask = codes === baseline ? 0 : changeMask(type, baseline, codes);
    const writer = scratchWriter;
    writer.reset();
    writeStateChanges(writer, type, codes, mask);
    const bytes = writer.finish();
    const bitLength = writer.bitLength;
    let relative: EncodedBits | undefined;
    if (type.relative) {
      writer.reset();
      writeStateChanges(writer, type, codes, mask, baseline);
      relative = { bytes: writer.finish(), bitLength: writer.bitLength };
    }
    const encoded = { bytes, bitLength, mask, relative };
    deltas.set(baseline, encoded);
    return encoded;
  }

  /** The state's checksum share (not counted in `stats`: it is cheap and asked once per use). */
  hash(codes: EntityCodes): number {
    const entry = this.#entry(codes);
    entry.hash ??= hashCodes(codes);
    return entry.hash;
  }

  #entry(codes: EntityCodes): Entry {
    let entry = this.#current.get(codes);
    if (entry !== undefined) return entry;
    entry = this.#previous.get(codes) ?? {};
    if (this.#current.size >= MAX_GENERATION_ENTRIES) this.#retire();
    this.#current.set(codes, entry);
    return entry;
  }

  #retire(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }
}
