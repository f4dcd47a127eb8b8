/**
 * Interarrival jitter as RFC 3550 (section 6.4.1 and appendix A.8) defines it: for packets i and j,
 * D = (Rj - Ri) - (Sj - Si), where S is the sender's timestamp and R the arrival time, and the estimate
 * moves a sixteenth of the way towards |D| at each packet. The two clocks need not agree: only
 * differences of each are used.
 */
/**
 * A change in transit time larger than this (ms) is the far side's clock leaping (a restart, or a peer
 * writing whatever it likes), not jitter: the estimate starts over from the new transit instead of taking
 * it, which would leave a "jitter" of the leap over 16 (1e299 ms from a hostile peer's timestamp of
 * 1e300) for the next hundred packets. A path stalled this long has been declared dead long before.
 */
const MAX_TRANSIT_STEP_MS = 60_000;

export class InterarrivalJitter {
  #lastTransit = Number.NaN;
  #jitter = Number.NaN;

  /** Estimate in ms; NaN until two packets were seen. */
  get ms(): number {
    return this.#jitter;
  }

  /**
   * The next packet's transit is taken as the new reference, not as a change: packets that arrive
   * together after an outage (or after this process stood still) measure the outage, not the path.
   */
  restart(): void {
    this.#lastTransit = Number.NaN;
  }

  /** A packet stamped `sentAt` by the sender's clock arrived at `arrivedAt` by ours (both ms). */
  add(sentAt: number, arrivedAt: number): void {
    const transit = arrivedAt - sentAt;
    if (!Number.isFinite(transit)) return;
    const d = Math.abs(transit - this.#lastTransit);
    if (d <= MAX_TRANSIT_STEP_MS) {
      this.#jitter = Number.isNaN(this.#jitter) ? d / 16 : this.#jitter + (d - this.#jitter) / 16;
    }
    this.#lastTransit = transit;
  }
}
