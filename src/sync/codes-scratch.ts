import type { FieldCode } from './field.js';

/**
 * The array a type's quantizer writes codes into before copying them out (`slice`, which keeps its
 * elements kind): so every codes array the server makes has the same kind, generic (PACKED_ELEMENTS),
 * whatever its values.
 *
 * Why it matters: V8 gives an array of small integers one kind (SMI) and an array holding a double
 * another, and optimized code that stores a computed number (a `Math.round` result, say) may store it as a
 * double, so one type's codes came out as double arrays while another's stayed SMI. Code reading both (the
 * change pass, the body writer, the checksum hash, `sameCodes`) was then optimized to turn each SMI array
 * into a double one as it read it, a runtime call copying the array: on the W2 arena at 60 Hz about 76 a
 * frame, 2.7 % of all the instructions of a run. A generic array is already of the most general kind, so
 * nothing reading it changes it.
 */
export function codesScratch(count: number): FieldCode[] {
  // Filled with null (not a number), so that it starts generic and packed; every slot is written before a copy.
  return Array.from({ length: count }, () => null) as unknown as FieldCode[];
}
