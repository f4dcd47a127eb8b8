/** Seeded PRNG (mulberry32, the simulated link's): every sync workload is deterministic for a given seed. */
export { seededRandom as mulberry32 } from 'vehikill-net/transport';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The IEEE-754 bits of a float32 value, as an unsigned integer. */
export function float32Bits(value: number): number {
  f32[0] = value;
  return u32[0]!;
}

/** The float32 value whose bits these are. */
export function bitsToFloat32(bits: number): number {
  u32[0] = bits;
  return f32[0]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`sync bench check failed: ${message}`);
}
