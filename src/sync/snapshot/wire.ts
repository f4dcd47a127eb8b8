import type { BitReader, BitWriter } from '../../protocol/index.js';
import { malformed, readBitsOf } from '../fields/codes.js';
import { SEQ_BITS, seqOf } from './seq.js';

/*
 * The pieces of a snapshot message; docs/sync.md ("Snapshot wire format") has the whole layout.
 * Bits are packed least-significant first by BitWriter, like every field.
 */

/** Entity ids are unsigned 32-bit integers: what the widest gap code reaches. */
export const MAX_ENTITY_ID = 0xffffffff;

/** Baselines named by their distance back from the snapshot's own seq in 6 bits: 1..64. */
export const NEAR_BASELINE_BITS = 6;
// Shifts rather than `2 **`, for small-integer constants (see SEQ_MODULO).
export const NEAR_BASELINE_WINDOW = 1 << NEAR_BASELINE_BITS;

// Gap to the previous id (minus one): '0' for 0 (the usual case: consecutive ids), '10' + 4 bits
// (1..16), '110' + 10 bits (17..1040), '111' + 32 bits.
const SMALL_GAP_BITS = 4;
const SMALL_GAP_END = 1 + (1 << SMALL_GAP_BITS);
const MEDIUM_GAP_BITS = 10;
const MEDIUM_GAP_END = SMALL_GAP_END + (1 << MEDIUM_GAP_BITS);

export function gapBits(gap: number): number {
  if (gap === 0) return 1;
  if (gap < SMALL_GAP_END) return 2 + SMALL_GAP_BITS;
  if (gap < MEDIUM_GAP_END) return 3 + MEDIUM_GAP_BITS;
  return 3 + 32;
}

/** The gap before `id` when the previous record's id was `previous` (-1 before the first record). */
export function gapOf(previous: number, id: number): number {
  return id - previous - 1;
}

export function writeGap(writer: BitWriter, gap: number): void {
  if (gap === 0) {
    writer.writeBits(0, 1);
  } else if (gap < SMALL_GAP_END) {
    writer.writeBits(0b01, 2);
    writer.writeBits(gap - 1, SMALL_GAP_BITS);
  } else if (gap < MEDIUM_GAP_END) {
    writer.writeBits(0b011, 3);
    writer.writeBits(gap - SMALL_GAP_END, MEDIUM_GAP_BITS);
  } else {
    writer.writeBits(0b111, 3);
    writer.writeBits(gap, 32);
  }
}

/** Reads a gap and returns the id it leads to; an id past MAX_ENTITY_ID is BAD_FRAME. */
export function readId(reader: BitReader, previous: number): number {
  const path = 'snapshot entity id';
  // The prefix: how many 1 bits before a 0, at most 3.
  let ones = 0;
  while (ones < 3 && readBitsOf(reader, 1, path) === 1) ones++;
  const gap =
    ones === 0
      ? 0
      : ones === 1
        ? 1 + readBitsOf(reader, SMALL_GAP_BITS, path)
        : ones === 2
          ? SMALL_GAP_END + readBitsOf(reader, MEDIUM_GAP_BITS, path)
          : readBitsOf(reader, 32, path);
  const id = previous + 1 + gap;
  if (id > MAX_ENTITY_ID) throw malformed('snapshot entity id', `${id} is past the largest id`);
  return id;
}

/*
 * Every record starts with one bit: '0' a repeat, '1' a record of its own (gap, kind and what the kind
 * needs follow). A repeat is the next id (gap 0), an unnamed delta, with the previous record's change
 * mask, which it does not write again: only the fields follow. Entities of one type tend to change the
 * same fields in the same tick (every car moves), so a run of them costs one bit of head each instead of
 * a gap, a kind and a mask. Only a record with a mask (a delta, named or not, or a repeat) can be repeated.
 */

/** Bits of the head of a repeat: the flag alone. */
export const REPEAT_HEAD_BITS = 1;

/** Bits of the flag before a record's own head. */
export const OWN_HEAD_FLAG_BITS = 1;

export function writeRecordFlag(writer: BitWriter, repeat: boolean): void {
  writer.writeBits(repeat ? 0 : 1, 1);
}

/** True for a repeat. */
export function readRecordFlag(reader: BitReader): boolean {
  // `readBit` where the bit is there (every record reads one), else the error that names the record.
  return (reader.bitsRemaining > 0 ? reader.readBit() : readBitsOf(reader, 1, 'snapshot record')) === 0;
}

/**
 * A delta against the client's baseline (the newest copy it holds from a snapshot up to the one the
 * header names as acked), a full state, a delta naming its baseline snapshot, a removal. A removal says
 * why the entity went: `remove`, it is gone from the world (destroyed); `leave`, it is still in the world
 * but no longer in this client's view (interest management).
 */
export const RecordKind = {
  delta: 'delta',
  full: 'full',
  namedDelta: 'namedDelta',
  remove: 'remove',
  leave: 'leave',
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

// '0' delta, '10' full, '110' named delta, '111' a removal and one bit: '0' removed from the world,
// '1' left the view. The bit costs a removal one bit more than before views had kinds; the other kinds
// are as they were.
export function kindBits(kind: RecordKind): number {
  if (kind === RecordKind.delta) return 1;
  if (kind === RecordKind.full) return 2;
  return kind === RecordKind.namedDelta ? 3 : 4;
}

export function writeKind(writer: BitWriter, kind: RecordKind): void {
  if (kind === RecordKind.delta) writer.writeBits(0, 1);
  else if (kind === RecordKind.full) writer.writeBits(0b01, 2);
  else if (kind === RecordKind.namedDelta) writer.writeBits(0b011, 3);
  else writer.writeBits(kind === RecordKind.remove ? 0b0111 : 0b1111, 4);
}

export function readKind(reader: BitReader): RecordKind {
  const path = 'snapshot record kind';
  if (readBitsOf(reader, 1, path) === 0) return RecordKind.delta;
  if (readBitsOf(reader, 1, path) === 0) return RecordKind.full;
  if (readBitsOf(reader, 1, path) === 0) return RecordKind.namedDelta;
  return readBitsOf(reader, 1, path) === 0 ? RecordKind.remove : RecordKind.leave;
}

/** True for the two removal kinds. */
export function isRemoval(kind: RecordKind): boolean {
  return kind === RecordKind.remove || kind === RecordKind.leave;
}

/** A named baseline within 64 snapshots costs 7 bits, an older one (an entity long unchanged) 17. */
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
    return seqOf(seq - distance);
  }
  return readBitsOf(reader, SEQ_BITS, 'snapshot baseline');
}

/**
 * Header, after a `0` acked reference (the client may hold nothing yet): the entity registry's
 * `fingerprint`, 32 bits, so a client whose types are not the server's knows before reading any record.
 */
export const FINGERPRINT_BITS = 32;

/** Header: the newest snapshot the server knows the client has, as `1` + 6 bits (distance − 1), or `0`. */
export function ackedRefBits(distance: number | undefined): number {
  return distance === undefined ? 1 : 1 + NEAR_BASELINE_BITS;
}

export function writeAckedRef(writer: BitWriter, distance: number | undefined): void {
  if (distance === undefined) {
    writer.writeBits(0, 1);
  } else {
    writer.writeBits(1, 1);
    writer.writeBits(distance - 1, NEAR_BASELINE_BITS);
  }
}

export function readAckedRef(reader: BitReader): number | undefined {
  if (readBitsOf(reader, 1, 'snapshot acked') === 0) return undefined;
  return readBitsOf(reader, NEAR_BASELINE_BITS, 'snapshot acked') + 1;
}

/**
 * Header, after an acked reference: the predictor, an earlier snapshot whose frame the client held exactly,
 * as `1` + 6 bits (its distance back from the acked snapshot, minus one), or `0`. With one, relative fields
 * may be written against the motion from the predictor's frame to the acked one, continued (PREDICTED).
 */
export function predictorRefBits(distance: number | undefined): number {
  return distance === undefined ? 1 : 1 + NEAR_BASELINE_BITS;
}

export function writePredictorRef(writer: BitWriter, distance: number | undefined): void {
  writeAckedRef(writer, distance);
}

export function readPredictorRef(reader: BitReader): number | undefined {
  if (readBitsOf(reader, 1, 'snapshot predictor') === 0) return undefined;
  return readBitsOf(reader, NEAR_BASELINE_BITS, 'snapshot predictor') + 1;
}

/**
 * How a type's deltas write their relative fields in one snapshot: whole, relative to the baseline, or
 * relative to the baseline's motion continued (only with a predictor). One bit per type with relative
 * fields, two when the header has a predictor.
 */
export const RelativeMode = { plain: 0, baseline: 1, predicted: 2 } as const;
export type RelativeMode = (typeof RelativeMode)[keyof typeof RelativeMode];

export function relativeModeBits(predicted: boolean): number {
  return predicted ? 2 : 1;
}

export function writeRelativeMode(writer: BitWriter, mode: RelativeMode, predicted: boolean): void {
  writer.writeBits(mode, relativeModeBits(predicted));
}

export function readRelativeMode(reader: BitReader, predicted: boolean): RelativeMode {
  const mode = readBitsOf(reader, relativeModeBits(predicted), 'snapshot relative modes');
  if (mode > RelativeMode.predicted) throw malformed('snapshot relative modes', `no mode ${mode}`);
  return mode as RelativeMode;
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
