import { Inflate } from 'fflate';

/** Compressed bytes handed to the inflater at a time: DEFLATE expands at most ~1,032x, so ~1 MiB out. */
const SLICE_BYTES = 1024;

/**
 * Inflates raw DEFLATE `payload` and returns it, or undefined as soon as the output passes `maxBytes`.
 * Fed in slices and stopped there: a bomb (50 MB of zeros in 51 KB) costs about `maxBytes` plus one
 * slice's output of work, where a one-shot inflate into a bounded buffer still decoded all of it.
 * Throws fflate's error on data that is not DEFLATE or ends early.
 */
export function inflateAtMost(payload: Uint8Array, maxBytes: number): Uint8Array | undefined {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const inflater = new Inflate((chunk) => {
    size += chunk.length;
    if (size <= maxBytes && chunk.length > 0) chunks.push(chunk);
  });
  for (let at = 0; at < payload.length || at === 0; at += SLICE_BYTES) {
    const end = Math.min(payload.length, at + SLICE_BYTES);
    inflater.push(payload.subarray(at, end), end === payload.length);
    if (size > maxBytes) return undefined;
    if (end === payload.length) break;
  }
  if (chunks.length === 1) return chunks[0];
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole;
}
