/** Impairments of one direction of a simulated path. Times in ms; rates 0..1. */
export interface NetworkConditions {
  /** One-way base delay. */
  delayMs?: number;
  /** Each packet's delay varies uniformly by up to this much either way; this is what reorders packets. */
  jitterMs?: number;
  /** Independent loss probability per packet (ignored when `burst` is set). */
  lossRate?: number;
  /**
   * Bursty loss (Gilbert-Elliott): a good and a bad state; loss happens at `lossInBad` in the bad state,
   * at `lossInGood` (default 0) in the good one.
   */
  burst?: { goodToBad: number; badToGood: number; lossInBad: number; lossInGood?: number };
  /** Probability that a delivered packet arrives twice. */
  duplicateRate?: number;
}

/** Decides the fate of each packet on one direction: lost, or delivered after some delay (maybe twice). */
export class PathModel {
  readonly #conditions: NetworkConditions;
  readonly #random: () => number;
  #bad = false;

  constructor(conditions: NetworkConditions, random: () => number) {
    for (const [name, value] of Object.entries(conditions)) {
      if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
        throw new TypeError(`network condition ${name} must be a finite non-negative number`);
      }
    }
    this.#conditions = conditions;
    this.#random = random;
  }

  get baseDelayMs(): number {
    return this.#conditions.delayMs ?? 0;
  }

  get jitterMs(): number {
    return this.#conditions.jitterMs ?? 0;
  }

  /** Delays (ms) at which copies of the packet arrive: empty when it is lost. */
  fate(): number[] {
    if (this.#lost()) return [];
    const copies = this.#random() < (this.#conditions.duplicateRate ?? 0) ? 2 : 1;
    return Array.from({ length: copies }, () => this.#delay());
  }

  #lost(): boolean {
    const burst = this.#conditions.burst;
    if (!burst) return this.#random() < (this.#conditions.lossRate ?? 0);
    this.#bad = this.#bad ? this.#random() >= burst.badToGood : this.#random() < burst.goodToBad;
    return this.#random() < (this.#bad ? burst.lossInBad : (burst.lossInGood ?? 0));
  }

  #delay(): number {
    const jitter = this.jitterMs;
    return Math.max(0, this.baseDelayMs + (jitter === 0 ? 0 : (this.#random() * 2 - 1) * jitter));
  }
}
