import type { BitWriter } from '../../protocol/index.js';

/** Bits written once and copied into many packets (at any bit offset) by `appendBits`. */
export interface EncodedBits {
  readonly bytes: Uint8Array;
  readonly bitLength: number;
}

export function appendBits(writer: BitWriter, encoded: EncodedBits): void {
  writer.writeBitsFrom(encoded.bytes, encoded.bitLength);
}
