import type { BitWriter } from '../../protocol/index.js';

/** Bits written once and copied into many packets (at any bit offset) by `appendBits`. */
export interface EncodedBits {
  readonly bytes: Uint8Array;
  readonly bitLength: number;
}

export function appendBits(writer: BitWriter, encoded: EncodedBits): void {
  writer.writeBitsFrom(encoded.bytes, encoded.bitLength);
}

/** Bits copied a write at a time by `appendBitsAfter`: with a shift of up to 7, they fit in 31 bits. */
const CHUNK_BITS = 24;

/**
 * `appendBits` without the first `skip` bits: a repeated record's changes without the mask they begin
 * with (the mask is the previous record's).
 */
export function appendBitsAfter(writer: BitWriter, encoded: EncodedBits, skip: number): void {
  const { bytes, bitLength } = encoded;
  for (let position = skip; position < bitLength; position += CHUNK_BITS) {
    const count = Math.min(CHUNK_BITS, bitLength - position);
    writer.writeBits(bitsAt(bytes, position, count), count);
  }
}

/** `count` (≤ 24) bits from bit `position` of bytes in BitWriter order (bit i is bit i & 7 of byte i >> 3). */
function bitsAt(bytes: Uint8Array, position: number, count: number): number {
  const index = position >>> 3;
  const word =
    (bytes[index] ?? 0) |
    ((bytes[index + 1] ?? 0) << 8) |
    ((bytes[index + 2] ?? 0) << 16) |
    ((bytes[index + 3] ?? 0) << 24);
  return (word >>> (position & 7)) & ((1 << count) - 1);
}
