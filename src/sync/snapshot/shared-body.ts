import type { ByteSlab } from './byte-slab.js';
import { addShare, headerShare } from './codes-hash.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';
import { NEAR_BASELINE_BITS } from './wire.js';

// The encoder names a client's base frame by this module, where bodies are built from one.
export type { BaseFrame } from './body-changes.js';

/** Where a body's header offsets are: patched per client by `SharedBody.message`. */
export interface HeaderOffsets {
  /** -1: the body names no acked snapshot (its clients have acked none: see `BaseFrame.empty`). */
  readonly acked: number;
  /** -1: the body has no predictor. */
  readonly predictor: number;
  readonly checksum: number;
}

/**
 * One snapshot body for every client in step at the same frame: the whole message written once with a
 * zero seq, stream, acked distance, predictor distance and checksum, which `message` patches per client. The
 * header before the records has the same length for all of them (the acked reference is always `1` + 6
 * bits, the predictor's too when the body has one; a body against an empty base names none, for all its
 * clients), so the records sit at the same bit offset and are copied as bytes.
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
   * The message for one client: its seq, its stream, how far back its acked snapshot is (1..64; undefined
   * for a body against an empty base), how far back from that its predictor snapshot is (1..64, bodies
   * with a predictor only), its checksum. The bytes are the client's alone, in a chunk of the slab shared
   * with other messages (see `ByteSlab`).
   */
  message(
    seq: number,
    stream: number,
    ackedDistance: number | undefined,
    predictorDistance?: number,
  ): Uint8Array {
    const offsets = this.#offsets;
    if (offsets.predictor >= 0 !== (predictorDistance !== undefined)) {
      throw new RangeError('a predictor distance goes with, and only with, a body written against one');
    }
    if (offsets.acked >= 0 !== (ackedDistance !== undefined)) {
      throw new RangeError('an acked distance goes with, and only with, a body against an acked frame');
    }
    const bytes = this.#slab.copyOf(this.#template);
    // seq and stream are the first 32 bits: two whole bytes each, least significant first.
    bytes[0] = seq & 0xff;
    bytes[1] = seq >>> 8;
    bytes[2] = stream & 0xff;
    bytes[3] = stream >>> 8;
    if (ackedDistance !== undefined) patchBits(bytes, offsets.acked, ackedDistance - 1, NEAR_BASELINE_BITS);
    if (predictorDistance !== undefined) {
      patchBits(bytes, offsets.predictor, predictorDistance - 1, NEAR_BASELINE_BITS);
    }
    patchBits(bytes, offsets.checksum, addShare(headerShare(seq, this.#tick, true), this.#recordsShare), 32);
    return bytes;
  }
}

/**
 * Overwrites `count` (up to 32) bits at bit `offset` (BitWriter order: least significant first): the
 * partial first byte, whole bytes, then the partial last one. A loop that worked out every byte's share,
 * shift and mask in turn cost about 450 instructions for a message's three patches.
 */
export function patchBits(bytes: Uint8Array, offset: number, value: number, count: number): void {
  let index = offset >>> 3;
  const shift = offset & 7;
  let rest = count;
  let bits = value >>> 0;
  if (shift !== 0) {
    const take = Math.min(rest, 8 - shift);
    const field = ((1 << take) - 1) << shift;
    bytes[index] = ((bytes[index] as number) & ~field) | ((bits << shift) & field);
    bits >>>= take;
    rest -= take;
    index++;
  }
  for (; rest >= 8; rest -= 8) {
    bytes[index++] = bits & 0xff;
    bits >>>= 8;
  }
  if (rest > 0) {
    const field = (1 << rest) - 1;
    bytes[index] = ((bytes[index] as number) & ~field) | (bits & field);
  }
}
