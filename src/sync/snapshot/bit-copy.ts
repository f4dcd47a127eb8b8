import { BitReader, type BitWriter } from '../../protocol/index.js';

/** Bits written once and copied into many packets (at any bit offset) by `appendBits`. */
export interface EncodedBits {
  readonly bytes: Uint8Array;
  readonly bitLength: number;
}

export function appendBits(writer: BitWriter, encoded: EncodedBits): void {
  const reader = new BitReader(encoded.bytes);
  let left = encoded.bitLength;
  while (left > 0) {
    const take = Math.min(32, left);
    writer.writeBits(reader.readBits(take), take);
    left -= take;
  }
}
