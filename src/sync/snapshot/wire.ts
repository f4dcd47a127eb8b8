import type { BitReader, BitWriter } from '../../protocol/index.js';
import { malformed, readBitsOf } from '../fields/codes.js';
import { SEQ_BITS, SEQ_MODULO } from './seq.js';

/*
 * The pieces of a snapshot message; docs/sync.md ("Snapshot wire format") has the whole layout.
 * Bits are packed least-significant first by BitWriter, like every field.
 */

/** Entity ids are unsigned 32-bit integers: what the widest gap code reaches. */
export const MAX_ENTITY_ID = 0xffffffff;

/** Baselines named by their distance back from the snapshot's own seq in 6 bits: 1..64. */
export const NEAR_BASELINE_BITS = 6;
export const NEAR_BASELINE_WINDOW = 2 ** NEAR_BASELINE_BITS;

export const RecordKind = { delta: 'delta', full: 'full', remove: 'remove' } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

// Gap to the previous id (minus one): '0' + 4 bits, '10' + 10 bits (16 + value), '11' + 32 bits.
const SMALL_GAP_BITS = 4;
const SMALL_GAPS = 2 ** SMALL_GAP_BITS;
const MEDIUM_GAP_BITS = 10;
const MEDIUM_GAPS = 2 ** MEDIUM_GAP_BITS;

export function gapBits(gap: number): number {
  if (gap < SMALL_GAPS) return 1 + SMALL_GAP_BITS;
  if (gap < SMALL_GAPS + MEDIUM_GAPS) return 2 + MEDIUM_GAP_BITS;
  return 2 + 32;
}

/** The gap before `id` when the previous record's id was `previous` (-1 before the first record). */
export function gapOf(previous: number, id: number): number {
  return id - previous - 1;
}

export function writeGap(writer: BitWriter, gap: number): void {
  if (gap < SMALL_GAPS) {
    writer.writeBits(0, 1);
    writer.writeBits(gap, SMALL_GAP_BITS);
  } else if (gap < SMALL_GAPS + MEDIUM_GAPS) {
    writer.writeBits(1, 1);
    writer.writeBits(0, 1);
    writer.writeBits(gap - SMALL_GAPS, MEDIUM_GAP_BITS);
  } else {
    writer.writeBits(1, 1);
    writer.writeBits(1, 1);
    writer.writeBits(gap, 32);
  }
}

/** Reads a gap and returns the id it leads to; an id past MAX_ENTITY_ID is BAD_FRAME. */
export function readId(reader: BitReader, previous: number): number {
  const path = 'snapshot entity id';
  let gap: number;
  if (readBitsOf(reader, 1, path) === 0) {
    gap = readBitsOf(reader, SMALL_GAP_BITS, path);
  } else {
    const wide = readBitsOf(reader, 1, path) === 1;
    gap = wide ? readBitsOf(reader, 32, path) : SMALL_GAPS + readBitsOf(reader, MEDIUM_GAP_BITS, path);
  }
  const id = previous + 1 + gap;
  if (id > MAX_ENTITY_ID) throw malformed('snapshot entity id', `${id} is past the largest id`);
  return id;
}

export function kindBits(kind: RecordKind): number {
  return kind === RecordKind.delta ? 1 : 2;
}

export function writeKind(writer: BitWriter, kind: RecordKind): void {
  if (kind === RecordKind.delta) {
    writer.writeBits(0, 1);
  } else {
    writer.writeBits(1, 1);
    writer.writeBits(kind === RecordKind.full ? 0 : 1, 1);
  }
}

export function readKind(reader: BitReader): RecordKind {
  if (readBitsOf(reader, 1, 'snapshot record kind') === 0) return RecordKind.delta;
  return readBitsOf(reader, 1, 'snapshot record kind') === 0 ? RecordKind.full : RecordKind.remove;
}

/** A baseline within 64 snapshots costs 7 bits, an older one (an entity long unchanged) 17. */
export function baselineRefBits(distance: number): number {
  return distance <= NEAR_BASELINE_WINDOW ? 1 + NEAR_BASELINE_BITS : 1 + SEQ_BITS;
}

export function writeBaselineRef(writer: BitWriter, baselineSeq: number, distance: number): void {
  if (distance >= 1 && distance <= NEAR_BASELINE_WINDOW) {
    writer.writeBits(0, 1);
    writer.writeBits(distance - 1, NEAR_BASELINE_BITS);
  } else {
    writer.writeBits(1, 1);
    writer.writeBits(baselineSeq, SEQ_BITS);
  }
}

export function readBaselineRef(reader: BitReader, seq: number): number {
  if (readBitsOf(reader, 1, 'snapshot baseline') === 0) {
    const distance = readBitsOf(reader, NEAR_BASELINE_BITS, 'snapshot baseline') + 1;
    return (seq - distance + SEQ_MODULO) % SEQ_MODULO;
  }
  return readBitsOf(reader, SEQ_BITS, 'snapshot baseline');
}

/** Bits of `BitWriter.writeVarUint(value)`: 8 a group of 7. */
export function varUintBits(value: number): number {
  let groups = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    groups++;
  }
  return groups * 8;
}

/** Reads a varuint, refusing one longer than the input could hold (so a count cannot drive a long loop). */
export function readVarUintOf(reader: BitReader, path: string): number {
  try {
    return reader.readVarUint();
  } catch (error) {
    throw malformed(path, 'truncated or overlong varuint', error);
  }
}
