/**
 * Snapshot sequence numbers are 16 bits and wrap (RFC 1982 serial arithmetic): at 60 snapshots a second
 * they wrap every 18 minutes, and only the newest few hundred are ever compared.
 */
export const SEQ_BITS = 16;
/**
 * A shift, not `2 **`: V8 keeps the result of `**` as a heap number even when it is whole, and a `%` by a
 * heap number compiles to the x87 remainder loop (tens of cycles) where a small integer's is an integer
 * division. Seqs are taken modulo this several times a snapshot, on both sides.
 */
export const SEQ_MODULO = 1 << SEQ_BITS;

/** The bits of a seq, as a mask: `& SEQ_MASK` where `% SEQ_MODULO` would be an integer division. */
const SEQ_MASK = SEQ_MODULO - 1;

/**
 * The seq of the snapshot numbered `at` (a count: a non-negative integer). A mask, not `% SEQ_MODULO`:
 * V8 loads the modulus from its module at run time and divides by it (tens of cycles), several times a
 * client a snapshot.
 */
export function seqOf(at: number): number {
  return at & SEQ_MASK;
}

/** How far `later` is after `earlier`, in 0..65,535 (wrapping). */
export function seqDistance(later: number, earlier: number): number {
  const distance = later - earlier;
  // Integers (every seq read from the wire) by their low bits, which is the same number; anything else
  // (an app's own ack could hold one) as before.
  return (distance | 0) === distance
    ? distance & SEQ_MASK
    : ((distance % SEQ_MODULO) + SEQ_MODULO) % SEQ_MODULO;
}

/** True when `a` is after `b` by less than half the sequence space. */
export function seqNewer(a: number, b: number): boolean {
  const distance = seqDistance(a, b);
  return distance > 0 && distance < SEQ_MODULO / 2;
}
