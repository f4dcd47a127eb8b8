/**
 * Small frames carved out of shared slabs. A broadcast wraps the same message once per recipient;
 * `new Uint8Array` per frame gives each its own ArrayBuffer, which costs more than the copy itself.
 * A frame keeps its slab alive only as long as the frame itself is referenced.
 */
const SLAB_SIZE = 64 * 1024;
/** Larger frames get their own buffer: they would waste slabs, and their copy dominates anyway. */
const MAX_SLAB_FRAME = 1024;

let slab = new Uint8Array(SLAB_SIZE);
let offset = 0;

export function allocateFrame(length: number): Uint8Array {
  if (length > MAX_SLAB_FRAME) return new Uint8Array(length);
  if (offset + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    offset = 0;
  }
  const frame = slab.subarray(offset, offset + length);
  // Keep frames 8-byte aligned: cheap, and DataView reads on them stay fast.
  offset += (length + 7) & ~7;
  return frame;
}
