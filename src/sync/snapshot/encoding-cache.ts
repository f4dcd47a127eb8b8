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
   * Made on the first delta: most states are only ever hashed or sent in full. Weak in the baseline too:
   * a baseline is usually an earlier state of the same entity, whose own deltas name the state before it,
   * so a strong key here kept every state the entity ever had alive for as long as its newest one lived.
   */
  deltas?: WeakMap<EntityCodes, EncodedChanges>;
}

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
 * each. An encoding lives as long as both codes arrays it was made from do (WeakMaps, keyed by each), so
 * nothing needs clearing and the cache never keeps a state alive.
 */
export class EncodingCache {
  #entries = new WeakMap<EntityCodes, Entry>();
  #hits = 0;
  #misses = 0;

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
    entry.deltas ??= new WeakMap();
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
    let entry = this.#entries.get(codes);
    if (entry === undefined) {
      entry = {};
      this.#entries.set(codes, entry);
    }
    return entry;
  }
}
