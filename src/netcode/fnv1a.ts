/** FNV-1a 32-bit offset basis: the hash of nothing, and the seed to start a chain with. */
export const FNV1A32_OFFSET = 0x811c9dc5;
const FNV1A32_PRIME = 0x01000193;

/**
 * FNV-1a (32-bit) over integers, each fed as 4 bytes little-endian (int32 and uint32 alike, so -1 and
 * 0xffffffff hash the same). Pass a previous result as `hash` to continue a chain. For per-tick state
 * hashes: quantize floats to integers first; the result is the same in every JS engine.
 */
export function fnv1a32(values: ArrayLike<number>, hash = FNV1A32_OFFSET): number {
  let h = hash >>> 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number;
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
      throw new RangeError(`fnv1a32 hashes 32-bit integers, got ${value} at index ${index}`);
    }
    for (let shift = 0; shift < 32; shift += 8) {
      h = Math.imul(h ^ ((value >>> shift) & 0xff), FNV1A32_PRIME);
    }
  }
  return h >>> 0;
}

/** FNV-1a (32-bit) over bytes: the standard definition (fnv1a32Bytes of "a" is 0xe40c292c). */
export function fnv1a32Bytes(bytes: ArrayLike<number>, hash = FNV1A32_OFFSET): number {
  let h = hash >>> 0;
  for (let index = 0; index < bytes.length; index++) {
    h = Math.imul(h ^ ((bytes[index] as number) & 0xff), FNV1A32_PRIME);
  }
  return h >>> 0;
}
