/**
 * Ids noted against the index of the frame they were noted in, oldest first: what the history keeps of
 * the entities that went, and of those that came back. An id may recur.
 */
export class IdsByFrame {
  #ids: number[] = [];
  #at: number[] = [];

  get size(): number {
    return this.#ids.length;
  }

  add(id: number, frameIndex: number): void {
    this.#ids.push(id);
    this.#at.push(frameIndex);
  }

  /** Ids noted in a frame after frame `base`, in the order noted. */
  since(base: number): number[] {
    const at = this.#at;
    let low = 0;
    let high = at.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((at[middle] as number) <= base) low = middle + 1;
      else high = middle;
    }
    return this.#ids.slice(low);
  }

  /** Forgets what was noted at frame `oldest` or before. */
  forgetThrough(oldest: number): void {
    let drop = 0;
    while (drop < this.#at.length && (this.#at[drop] as number) <= oldest) drop++;
    // Dropped in batches, so the arrays are not shifted every frame.
    if (drop > 256 || (drop > 0 && drop === this.#at.length)) {
      this.#ids = this.#ids.slice(drop);
      this.#at = this.#at.slice(drop);
    }
  }
}
