import { Inflate } from 'fflate';

/** DEFLATE's largest expansion: a byte of input gives at most about this many bytes of output. */
const MAX_EXPANSION = 1_032;

/** Compressed bytes handed to the inflater at a time, at most (about 1 MiB out). */
const MAX_SLICE_BYTES = 1_024;
const MIN_SLICE_BYTES = 16;

/**
 * Inflates raw DEFLATE `payload` and returns it, or undefined as soon as the output passes `maxBytes`.
 * Fed in slices that can give at most about `maxBytes` each, and stopped there: a bomb (50 MB of zeros
 * in 51 KB) costs at most about twice `maxBytes` of work, where a one-shot inflate into a bounded buffer
 * still decoded all of it (and a fixed 1 KiB slice, about 1 MiB whatever the limit). A snapshot under the
 * limit, as deflated snapshots are (a few hundred bytes), is usually one or two slices.
 * Throws fflate's error on data that is not DEFLATE or ends early.
 */
export function inflateAtMost(payload: Uint8Array, maxBytes: number): Uint8Array | undefined {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const inflater = new Inflate((chunk) => {
    size += chunk.length;
    if (size <= maxBytes && chunk.length > 0) chunks.push(chunk);
  });
  const sliceBytes = Math.min(
    MAX_SLICE_BYTES,
    Math.max(MIN_SLICE_BYTES, Math.floor(maxBytes / MAX_EXPANSION)),
  );
  for (let at = 0; at < payload.length || at === 0; at += sliceBytes) {
    const end = Math.min(payload.length, at + sliceBytes);
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
