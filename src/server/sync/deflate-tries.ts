/** Misses in a row after which a member's snapshots stop being tried for a while. */
const MISSES_BEFORE_PAUSE = 4;
/** The first pause, in snapshots; each miss after a pause doubles it, up to `MAX_PAUSE`. */
const FIRST_PAUSE = 8;
const MAX_PAUSE = 64;

/**
 * Whether to try deflating a member's next snapshot. Deflate pays for full states (names, repeated type
 * bits, a world sent whole) and not for bit-packed quantized deltas, which is what a member gets once it
 * is in step: in a world bigger than the budget every snapshot is budget-sized and deltas, and trying
 * each one cost 30-140 µs for nothing. So after a few misses in a row the member's snapshots go untried
 * for a pause that doubles while tries keep missing; one try that pays resumes trying every snapshot.
 */
export class DeflateTries {
  #misses = 0;
  #pauseLeft = 0;
  #nextPause = FIRST_PAUSE;

  /** Whether the next snapshot is worth a try; false uses up one snapshot of a pause. */
  shouldTry(): boolean {
    if (this.#pauseLeft === 0) return true;
    this.#pauseLeft--;
    return false;
  }

  /** What a try gave: `paid` when the deflated snapshot was smaller and went out so. */
  tried(paid: boolean): void {
    if (paid) {
      this.#misses = 0;
      this.#nextPause = FIRST_PAUSE;
      return;
    }
    this.#misses++;
    if (this.#misses < MISSES_BEFORE_PAUSE) return;
    this.#pauseLeft = this.#nextPause;
    this.#nextPause = Math.min(this.#nextPause * 2, MAX_PAUSE);
  }
}
