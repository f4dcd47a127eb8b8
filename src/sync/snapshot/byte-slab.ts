/** Bytes per chunk: about 45 arena snapshots of ~360 bytes, so one chunk serves a tick or more of clients. */
const CHUNK_BYTES = 16 * 1024;
/** Messages larger than this get an ArrayBuffer of their own: they would leave too much of a chunk unused. */
const LARGEST_SLICE = CHUNK_BYTES / 8;

/**
 * Hands out byte arrays for messages as views into larger chunks, each region given out once and never
 * written again by the slab. A fresh `Uint8Array` of a few hundred bytes per client per tick costs an
 * ArrayBuffer each (a backing store outside the JS heap, which the garbage collector must track and free
 * one by one): several times the cost of a view into a shared chunk. The price: a view keeps its whole
 * chunk alive, and its `buffer` holds other messages (see `EncodedSnapshot.bytes`).
 */
export class ByteSlab {
  #chunk = new ArrayBuffer(CHUNK_BYTES);
  #used = 0;

  /** A copy of `source` in bytes nobody else is given. */
  copyOf(source: Uint8Array): Uint8Array {
    const length = source.length;
    if (length > LARGEST_SLICE) return new Uint8Array(source);
    if (this.#used + length > CHUNK_BYTES) {
      this.#chunk = new ArrayBuffer(CHUNK_BYTES);
      this.#used = 0;
    }
    const bytes = new Uint8Array(this.#chunk, this.#used, length);
    bytes.set(source);
    this.#used += length;
    return bytes;
  }
}
