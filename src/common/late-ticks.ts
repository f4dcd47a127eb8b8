/**
 * Tells when a periodic timer ran far later than its period: more than two periods after its last run.
 * That is this process standing still (a page frozen in the background, a phone switching apps, a host
 * under load), not the far end going quiet: what the far end sent meanwhile is waiting to be read, and a
 * stalled event loop runs its due timers first (Node always does). A watch that judges silence on such a
 * run would take its own stall for the peer's, so callers judge it a moment later instead.
 */
export class LateTicks {
  readonly #periodMs: number;
  #lastAt = 0;

  /** `startedAt`: when the timer started (its first run is measured from there). */
  constructor(periodMs: number, startedAt: number) {
    this.#periodMs = periodMs;
    this.#lastAt = startedAt;
  }

  /** The timer starts again at `now`. */
  restart(now: number): void {
    this.#lastAt = now;
  }

  /** Records a run at `now`; true when it came more than two periods after the last one. */
  late(now: number): boolean {
    const late = now - this.#lastAt > 2 * this.#periodMs;
    this.#lastAt = now;
    return late;
  }
}
