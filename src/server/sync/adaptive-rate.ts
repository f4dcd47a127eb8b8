import type { DeviceClass, LinkQuality, QualityGrade } from '../../transport/core.js';

export interface AdaptiveRateOptions {
  /** Snapshot rate range (Hz). Defaults 10..30, the ceiling no higher than the room's own rate. */
  minHz?: number;
  maxHz?: number;
  /**
   * Snapshot byte budget range. Defaults 400..the room's own budget. The floor is taken as given, whatever
   * the entities: one too large to go alone in the budget a back-off left raises it (`raiseBudget`).
   */
  minBudgetBytes?: number;
  maxBudgetBytes?: number;
  /** Factor applied on congestion (loss, a growing send queue, a poor link). Default 0.7. */
  backoff?: number;
  /**
   * Loss (0..1, either direction) that counts as congestion. Default 0.1, as in WebRTC's loss-based
   * controller: below it loss is taken for the path's own (Wi-Fi, mobile), which sending less does not
   * cure; the link's grade is fair from 2 % and poor from 8 % loss (default thresholds), and a poor
   * link backs off anyway. Above 0.
   */
  lossBackoff?: number;

  /** At most one back-off per this many ms (one bad second is one step, not thirty). Default 1,000; ≥ 0. */
  backoffIntervalMs?: number;
  /** Recovery while the link is good: Hz gained per second. Default 1; finite, ≥ 0. */
  recoverHzPerSecond?: number;
  /** ...and budget gained per second, as a share of the budget range. Default 0.05; finite, ≥ 0. */
  recoverBudgetPerSecond?: number;
  /**
   * Ceilings by device class (Hz, 1..120): hidden pages, battery or data saving, low-end devices.
   * Defaults 5, 10 and 15.
   */
  hiddenHz?: number;
  savingHz?: number;
  lowEndHz?: number;
}

/** What the controller reads each update. */
export interface RateInputs {
  /**
   * The link's quality. `measuredGrade` (the grade before the indicator's hysteresis) is what is judged
   * when given, `grade` otherwise: this controller smooths on its own, and the indicator's recovery
   * delay on top would hold a member's rate down for seconds after the link is fine.
   */
  quality:
    | (Pick<LinkQuality, 'grade' | 'lossUp' | 'lossDown'> &
        Partial<Pick<LinkQuality, 'measuredGrade' | 'silent'>>)
    | undefined;
  /** Bytes waiting to be sent to this member (send queue, socket buffer). */
  queuedBytes?: number;
  device: DeviceClass;
}

export interface RateSetting {
  rateHz: number;
  budgetBytes: number;
}

/**
 * Per-member snapshot rate and byte budget, AIMD-like: multiplicative back-off at once on heavy loss, on
 * a growing send queue or on a poor link; slow additive recovery while the link is good; held while it
 * is fair (light loss, a longer or less steady round trip) and while nothing is heard from the member (an
 * outage: what was measured before it says nothing of the path after). The device class caps the rate (a
 * hidden page gets `hiddenHz`) without counting as congestion, so a page that comes back returns to its
 * earlier rate. What the link earns is kept in Hz and bytes, apart from the ceilings (see `continueFrom`).
 * Pure: time is passed in.
 */
export class AdaptiveRate {
  readonly #minHz: number;
  readonly #maxHz: number;
  readonly #minBudget: number;
  readonly #maxBudget: number;
  readonly #options: Required<
    Omit<AdaptiveRateOptions, 'minHz' | 'maxHz' | 'minBudgetBytes' | 'maxBudgetBytes'>
  >;
  /**
   * What the link has earned since its last back-off, in Hz and bytes (Infinity: never backed off): set
   * by a back-off, raised while the link is good, and never moved by the ceilings. The member gets it
   * kept between its floor and its ceiling, so a ceiling lowered and raised again (to the floor or below
   * it, any number of times) brings back the backed-off rate, not the ceiling.
   */
  #rateHz = Number.POSITIVE_INFINITY;
  #budget = Number.POSITIVE_INFINITY;
  /** The device class of the newest update (its cap holds until the next). */
  #device: DeviceClass = 'normal';
  #lastAt = 0;
  #lastBackoffAt = Number.NEGATIVE_INFINITY;
  #lastQueued = 0;
  #current: RateSetting;

  constructor(options: AdaptiveRateOptions, now: number) {
    this.#minHz = options.minHz ?? 10;
    this.#maxHz = options.maxHz ?? 30;
    this.#minBudget = options.minBudgetBytes ?? 400;
    this.#maxBudget = options.maxBudgetBytes ?? 1200;
    if (!(this.#minHz >= 1 && this.#maxHz >= this.#minHz && this.#maxHz <= 120)) {
      throw new RangeError(`adaptive rate: need 1 ≤ minHz ≤ maxHz ≤ 120, got ${this.#minHz}..${this.#maxHz}`);
    }
    // Finite: the budget moves by shares of the range between them, and Infinity's shares are NaN.
    if (!(this.#minBudget >= 16 && this.#maxBudget >= this.#minBudget && Number.isFinite(this.#maxBudget))) {
      throw new RangeError(
        `adaptive rate: need 16 ≤ minBudgetBytes ≤ maxBudgetBytes, both finite, got ${this.#minBudget}..${this.#maxBudget}`,
      );
    }
    this.#options = {
      backoff: options.backoff ?? 0.7,
      lossBackoff: options.lossBackoff ?? 0.1,
      backoffIntervalMs: options.backoffIntervalMs ?? 1_000,
      recoverHzPerSecond: options.recoverHzPerSecond ?? 1,
      recoverBudgetPerSecond: options.recoverBudgetPerSecond ?? 0.05,
      hiddenHz: options.hiddenHz ?? 5,
      savingHz: options.savingHz ?? 10,
      lowEndHz: options.lowEndHz ?? 15,
    };
    if (!(this.#options.backoff > 0 && this.#options.backoff < 1)) {
      throw new RangeError(`adaptive rate: backoff must be in (0, 1), got ${this.#options.backoff}`);
    }
    // Each of these, out of range, gave rates of NaN or 0 Hz (a period of Infinity), which the room took
    // as "due at every flush", or a member held at its floor for good.
    const { lossBackoff, backoffIntervalMs, recoverHzPerSecond, recoverBudgetPerSecond } = this.#options;
    check('lossBackoff', lossBackoff > 0, lossBackoff, '> 0');
    check('backoffIntervalMs', backoffIntervalMs >= 0, backoffIntervalMs, '≥ 0');
    check('recoverHzPerSecond', isRate(recoverHzPerSecond), recoverHzPerSecond, 'finite and ≥ 0');
    check('recoverBudgetPerSecond', isRate(recoverBudgetPerSecond), recoverBudgetPerSecond, 'finite and ≥ 0');
    for (const name of ['hiddenHz', 'savingHz', 'lowEndHz'] as const) {
      const hz = this.#options[name];
      check(name, hz >= 1 && hz <= 120, hz, 'in 1..120');
    }
    this.#lastAt = now;
    this.#current = { rateHz: this.#maxHz, budgetBytes: this.#maxBudget };
  }

  /**
   * Takes over where `previous` was (a member whose ceilings the app changed): what its link had earned
   * (in Hz and bytes, not as a share of the old ceilings), its back-off timing, what it last saw and its
   * device cap. A new controller alone would start at the ceiling, and flood the member a back-off had
   * slowed. A member no back-off holds below the new ceilings (never backed off, or recovered past them)
   * goes to them at once; one that is held stays where its link was, within the new floor and ceiling.
   */
  continueFrom(previous: AdaptiveRate): this {
    this.#rateHz = previous.#rateHz;
    this.#budget = previous.#budget;
    this.#device = previous.#device;
    this.#lastAt = previous.#lastAt;
    this.#lastBackoffAt = previous.#lastBackoffAt;
    this.#lastQueued = previous.#lastQueued;
    this.#current = this.#setting();
    return this;
  }

  /** The setting of the newest update (the ceiling before the first). */
  get current(): RateSetting {
    return this.#current;
  }

  /** The link's own rate and budget before the device cap (what it would get on a normal device). */
  get linkRate(): RateSetting {
    return { rateHz: this.#linkHz(), budgetBytes: Math.round(this.#linkBudget()) };
  }

  /** The link's rate, kept between the floor and the ceiling. */
  #linkHz(): number {
    return clamp(this.#rateHz, this.#minHz, this.#maxHz);
  }

  #linkBudget(): number {
    return clamp(this.#budget, this.#minBudget, this.#maxBudget);
  }

  #setting(): RateSetting {
    return {
      rateHz: Math.min(this.#linkHz(), this.#deviceCap(this.#device)),
      budgetBytes: Math.round(this.#linkBudget()),
    };
  }

  /** The budget's ceiling (bytes). */
  get maxBudgetBytes(): number {
    return this.#maxBudget;
  }

  /**
   * The budget is at least `bytes` (no more than the ceiling) from now on: a snapshot had to leave out an
   * entity that needs that much to go alone. A back-off lowers it again as it lowers any budget, so a
   * large entity costs a congested member a larger snapshot now and then, and is never held back for good.
   */
  raiseBudget(bytes: number): RateSetting {
    if (bytes > this.#budget) {
      this.#budget = bytes;
      this.#current = this.#setting();
    }
    return this.#current;
  }

  update(inputs: RateInputs, now: number): RateSetting {
    const elapsedS = Math.max(0, now - this.#lastAt) / 1000;
    this.#lastAt = now;
    const quality = inputs.quality;
    const grade: QualityGrade = quality?.measuredGrade ?? quality?.grade ?? 'good';
    // Nothing heard from the member (an outage): the figures are from before it, and hold.
    const silent = quality?.silent === true;
    const loss = Math.max(finiteOr0(quality?.lossUp), finiteOr0(quality?.lossDown));
    const queued = inputs.queuedBytes ?? 0;
    const queueGrowing = queued > 0 && queued > this.#lastQueued;
    this.#lastQueued = queued;
    // A queue that grows while the member is silent grows because of the outage (a stalled association
    // keeps what is sent): not congestion either.
    const congested = !silent && (queueGrowing || loss >= this.#options.lossBackoff || grade === 'poor');
    if (congested) {
      if (now - this.#lastBackoffAt >= this.#options.backoffIntervalMs) {
        this.#lastBackoffAt = now;
        // From what the member was getting (the link's rate within the ceiling), not from what the link
        // had earned above a ceiling.
        this.#rateHz = Math.max(this.#minHz, this.#linkHz() * this.#options.backoff);
        this.#budget = Math.max(this.#minBudget, this.#linkBudget() * this.#options.backoff);
      }
    } else if (grade === 'good' && !silent) {
      // From the floor at least (a ceiling raised above the floor it was backed off to); not capped by
      // the ceiling, so that a good link earns its way back whatever the app sets meanwhile, and a
      // ceiling raised later finds it as far along as it would be at the old one.
      this.#rateHz = Math.max(this.#rateHz, this.#minHz) + this.#options.recoverHzPerSecond * elapsedS;
      const range = this.#maxBudget - this.#minBudget;
      this.#budget =
        Math.max(this.#budget, this.#minBudget) + range * this.#options.recoverBudgetPerSecond * elapsedS;
    }
    this.#device = inputs.device;
    this.#current = this.#setting();
    return this.#current;
  }

  #deviceCap(device: DeviceClass): number {
    switch (device) {
      case 'hidden':
        return this.#options.hiddenHz;
      case 'saving':
        return Math.min(this.#options.savingHz, this.#maxHz);
      case 'low-end':
        return Math.min(this.#options.lowEndHz, this.#maxHz);
      case 'normal':
        return this.#maxHz;
    }
  }
}

function check(name: string, ok: boolean, value: number, range: string): void {
  if (!ok) throw new RangeError(`adaptive rate: ${name} must be ${range}, got ${value}`);
}

function isRate(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

function finiteOr0(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) ? value : 0;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
