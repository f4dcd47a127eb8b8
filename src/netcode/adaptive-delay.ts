import { finite, nonNegative, positive, positiveInteger } from './checks.js';

/** Tuning of an {@link AdaptiveDelay}. Times in ms. */
export interface AdaptiveDelayOptions {
  /** Render delay used until two snapshots have given an interval (default 100). */
  initialDelayMs?: number;
  /** Weight of the jitter in the delay: interval + k * jitter (default 3). */
  jitterFactor?: number;
  /**
   * Loss rate at which a whole extra snapshot interval is added (default 0.05), proportionally below it,
   * so that one lost snapshot is bridged by interpolation rather than extrapolation.
   */
  fullLossAllowanceAt?: number;
  /** Delay bounds as multiples of the snapshot interval (defaults 1 and 3: Gaffer's "3x send interval"). */
  minIntervals?: number;
  maxIntervals?: number;
  /**
   * Most the render clock may run slower or faster than real time while the delay adapts (default 0.03):
   * render time never runs backwards and never visibly speeds up.
   */
  maxRateChange?: number;
  /** Time constant (ms) with which the target delay comes down after jitter eases (default 3000). */
  decreaseTimeConstantMs?: number;
  /** Samples used for the interval (median of deltas) and the arrival baseline (default 64). */
  window?: number;
  /**
   * A render-time error beyond this is jumped, not slewed (server time reset; default 1000). Two snapshots
   * in a row this far behind the newest are a server time that went back: the old timeline is forgotten.
   * Likewise ahead: a snapshot that arrived this much sooner than the least delayed recent one allows is
   * set aside (a bad tick), and two in a row are a server time that went forward.
   */
  jumpThresholdMs?: number;
}

/** Intervals whose median can raise the interval at once (a server lowered the rate). */
const RECENT_INTERVALS = 8;
/** A numbered gap longer than this (snapshots) is not trusted as a count: a reset, or a wrap. */
const MAX_SEQ_GAP = 1_000;

/** Snapshots sent from `earlier` to `later`, 16-bit sequence numbers that wrap. */
function seqGap(later: number, earlier: number): number {
  return (((later - earlier) % 65_536) + 65_536) % 65_536;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

/**
 * The longest delay by default, in snapshot intervals. A server that checks the delay clients claim (lag
 * compensation) allows this many of the longest interval it sent them at lately.
 */
export const DEFAULT_MAX_DELAY_INTERVALS = 3;

/**
 * Chooses how far in the past to draw remote entities, from the snapshots' arrival times. One per
 * connection; call `onSnapshot(serverTime, arrivalTime)` for each snapshot and draw at
 * `renderTime(now)` (server time, for InterpolationBuffer.sample).
 *
 * Render time = local now + the best (least delayed) arrival offset seen recently - delay. The delay is
 * interval + k * jitter (RFC 3550 interarrival jitter) + up to one more interval for loss, clamped to
 * [1, 3] snapshot intervals. It rises at once and comes down slowly, and the render clock slews toward
 * it at most `maxRateChange`, so animation never jumps or runs backwards. It does not need ClockSync:
 * everything is measured relative to the snapshots themselves.
 */
export class AdaptiveDelay {
  readonly #initialDelayMs: number;
  readonly #jitterFactor: number;
  readonly #fullLossAt: number;
  readonly #minIntervals: number;
  readonly #maxIntervals: number;
  readonly #maxRateChange: number;
  readonly #decreaseMs: number;
  readonly #window: number;
  readonly #jumpThresholdMs: number;

  /** serverTime - arrivalTime of recent snapshots: the largest is the least delayed one. */
  readonly #transitOffsets: number[] = [];
  readonly #intervals: number[] = [];
  #newestServerTime: number | undefined;
  #newestSeq: number | undefined;
  #last: { server: number; arrival: number } | undefined;
  /** Server time of the previous snapshot, when it was over `jumpThresholdMs` behind the newest. */
  #farBehind: number | undefined;
  /** The previous snapshot, when it was over `jumpThresholdMs` ahead of the timeline (see `#aheadBy`). */
  #farAhead: { server: number; offset: number } | undefined;
  #jitter = 0;
  #lossRate = 0;
  #targetDelay = 0;
  #targetAt: number | undefined;
  /** renderTime - localNow, as applied. */
  #renderOffset: number | undefined;
  #renderOffsetAt = 0;
  /** The delay the last `renderTime` applied. */
  #appliedDelay: number | undefined;

  constructor(options: AdaptiveDelayOptions = {}) {
    this.#initialDelayMs = nonNegative('initialDelayMs', options.initialDelayMs ?? 100);
    this.#jitterFactor = nonNegative('jitterFactor', options.jitterFactor ?? 3);
    this.#fullLossAt = positive('fullLossAllowanceAt', options.fullLossAllowanceAt ?? 0.05);
    this.#minIntervals = positive('minIntervals', options.minIntervals ?? 1);
    this.#maxIntervals = positive('maxIntervals', options.maxIntervals ?? DEFAULT_MAX_DELAY_INTERVALS);
    if (this.#maxIntervals < this.#minIntervals) throw new TypeError('maxIntervals must be >= minIntervals');
    this.#maxRateChange = positive('maxRateChange', options.maxRateChange ?? 0.03);
    if (this.#maxRateChange >= 1) throw new TypeError('maxRateChange must be below 1');
    this.#decreaseMs = positive('decreaseTimeConstantMs', options.decreaseTimeConstantMs ?? 3000);
    this.#window = positiveInteger('window', options.window ?? 64);
    this.#jumpThresholdMs = positive('jumpThresholdMs', options.jumpThresholdMs ?? 1000);
    this.#targetDelay = this.#initialDelayMs;
  }

  /**
   * A snapshot stamped `serverTimeMs` arrived at local `arrivalMs` (pass duplicates too; they are
   * ignored). `seq`, the snapshot's 16-bit sequence number (one more for each snapshot sent to this
   * client, wrapping), tells a lost snapshot from a longer interval: with it a server that lowers the
   * rate is followed within a few snapshots; without it a gap of whole intervals is taken for loss.
   */
  onSnapshot(serverTimeMs: number, arrivalMs: number, seq?: number): void {
    if (!Number.isFinite(serverTimeMs) || !Number.isFinite(arrivalMs)) return;
    if (
      this.#newestServerTime !== undefined &&
      serverTimeMs < this.#newestServerTime - this.#jumpThresholdMs
    ) {
      // One such snapshot was reordered by seconds: useless to draw, and its transit would pass for jitter.
      // A second one, after the first, is the server's time gone back: the window measured a timeline
      // that no longer exists, and its best offset would hold render time on it for `window` snapshots.
      const previous = this.#farBehind;
      this.#farBehind = serverTimeMs;
      if (previous === undefined || serverTimeMs <= previous) return;
      this.#transitOffsets.length = 0;
      this.#newestServerTime = undefined;
      this.#newestSeq = undefined;
      this.#last = undefined;
    }
    this.#farBehind = undefined;
    const offset = serverTimeMs - arrivalMs;
    if (this.#aheadBy(offset) > this.#jumpThresholdMs) {
      // Stamped far ahead of every recent snapshot's time in transit: one such is a bad tick, which taken
      // in counted its lead as jitter (and, unnumbered, the gap as lost snapshots) and held the delay at
      // its cap for some 20 s. A second one that goes on from it is the server's time gone forward.
      const previous = this.#farAhead;
      this.#farAhead = { server: serverTimeMs, offset };
      const continues =
        previous !== undefined &&
        serverTimeMs > previous.server &&
        Math.abs(offset - previous.offset) <= this.#jumpThresholdMs;
      if (!continues) return;
      this.#transitOffsets.length = 0;
      this.#newestServerTime = undefined;
      this.#newestSeq = undefined;
      this.#last = undefined;
    }
    this.#farAhead = undefined;
    const last = this.#last;
    if (last !== undefined && last.server === serverTimeMs) return;
    if (last !== undefined) {
      // RFC 3550 section 6.4.1: J += (|D| - J) / 16, D the change in transit time.
      const change = arrivalMs - last.arrival - (serverTimeMs - last.server);
      this.#jitter += (Math.abs(change) - this.#jitter) / 16;
    }
    this.#last = { server: serverTimeMs, arrival: arrivalMs };
    push(this.#transitOffsets, offset, this.#window);

    const newest = this.#newestServerTime;
    if (newest === undefined || serverTimeMs > newest) {
      if (newest !== undefined) {
        const delta = serverTimeMs - newest;
        const sent = seq === undefined || this.#newestSeq === undefined ? 0 : seqGap(seq, this.#newestSeq);
        let missing: number;
        if (sent >= 1 && sent <= MAX_SEQ_GAP) {
          // Numbered: the gap says how many were sent, so every delta is an interval sample.
          missing = sent - 1;
          push(this.#intervals, delta / sent, this.#window);
        } else {
          // Snapshots missing from a gap count as lost; the gap's own delta is not an interval sample.
          const interval = this.intervalMs;
          missing = interval === undefined ? 0 : Math.max(0, Math.round(delta / interval) - 1);
          if (missing === 0) push(this.#intervals, delta, this.#window);
        }
        // `missing` steps of L += (1 - L) / 64 at once: a long gap counted one by one took as many steps.
        this.#lossRate = 1 - (1 - this.#lossRate) * (63 / 64) ** missing;
        this.#lossRate -= this.#lossRate / 64;
      }
      this.#newestServerTime = serverTimeMs;
      if (seq !== undefined) this.#newestSeq = seq;
    }
    this.#retarget(arrivalMs);
  }

  /**
   * Server time to render remote entities at, at local time `localNow` (non-decreasing). A non-finite
   * `localNow` throws a TypeError and leaves the render clock as it was.
   */
  renderTime(localNow: number): number | undefined {
    finite('localNow', localNow);
    if (this.#transitOffsets.length === 0) return undefined;
    let best = Number.NEGATIVE_INFINITY;
    for (const offset of this.#transitOffsets) best = Math.max(best, offset);
    const target = best - this.#currentTarget(localNow);
    const elapsed = Math.max(0, localNow - this.#renderOffsetAt);
    const current = this.#renderOffset;
    if (current === undefined || Math.abs(target - current) > this.#jumpThresholdMs) {
      this.#renderOffset = target;
    } else {
      const step = elapsed * this.#maxRateChange;
      this.#renderOffset = current + Math.max(-step, Math.min(step, target - current));
    }
    this.#renderOffsetAt = Math.max(this.#renderOffsetAt, localNow);
    this.#appliedDelay = best - this.#renderOffset;
    return localNow + this.#renderOffset;
  }

  /**
   * Snapshot interval (ms), once two consecutive snapshots arrived: the median of those kept, or of the
   * newest few when that is longer, so that a lower rate raises the delay within a few snapshots (the
   * delay rises at once and comes down slowly) while a higher one waits for most of those kept.
   */
  get intervalMs(): number | undefined {
    const intervals = this.#intervals;
    if (intervals.length === 0) return undefined;
    return Math.max(median(intervals), median(intervals.slice(-RECENT_INTERVALS)));
  }

  /** RFC 3550 interarrival jitter (ms). */
  get jitterMs(): number {
    return this.#jitter;
  }

  /** Smoothed fraction of snapshots that never arrived. */
  get lossRate(): number {
    return this.#lossRate;
  }

  /** The delay (ms) the render clock is heading for. */
  get targetDelayMs(): number {
    return this.#targetDelay;
  }

  /**
   * The delay (ms) the newest `renderTime` applied (undefined before one): the target once the render
   * clock has reached it, and otherwise behind it. The target comes down faster than the clock may slow
   * (`maxRateChange`), so after a jittery spell the clock draws further back than the target says, by
   * a hundred ms and more: what a frame drawn at that render time lies behind the newest snapshots.
   */
  get appliedDelayMs(): number | undefined {
    return this.#appliedDelay;
  }

  /** Forgets everything (new connection). */
  reset(): void {
    this.#transitOffsets.length = 0;
    this.#intervals.length = 0;
    this.#newestServerTime = undefined;
    this.#newestSeq = undefined;
    this.#last = undefined;
    this.#farBehind = undefined;
    this.#farAhead = undefined;
    this.#jitter = 0;
    this.#lossRate = 0;
    this.#targetDelay = this.#initialDelayMs;
    this.#targetAt = undefined;
    this.#renderOffset = undefined;
    this.#renderOffsetAt = 0;
    this.#appliedDelay = undefined;
  }

  /**
   * How much sooner (ms) a snapshot with this transit offset arrived than the least delayed recent one
   * allows (-Infinity with none yet). A path cannot deliver seconds faster than its fastest: the snapshot's
   * server time is what is off. A burst held up together arrives later, never sooner, so is no such lead.
   */
  #aheadBy(offset: number): number {
    if (this.#transitOffsets.length === 0) return Number.NEGATIVE_INFINITY;
    let best = Number.NEGATIVE_INFINITY;
    for (const recent of this.#transitOffsets) best = Math.max(best, recent);
    return offset - best;
  }

  /** The delay the snapshots call for right now. */
  #wanted(): number {
    const interval = this.intervalMs;
    if (interval === undefined) return this.#initialDelayMs;
    const lossAllowance = Math.min(1, this.#lossRate / this.#fullLossAt) * interval;
    const raw = interval + this.#jitterFactor * this.#jitter + lossAllowance;
    return Math.min(this.#maxIntervals * interval, Math.max(this.#minIntervals * interval, raw));
  }

  #retarget(now: number): void {
    this.#targetDelay = this.#currentTarget(now);
    this.#targetAt = now;
  }

  /** Up at once, down with time constant `decreaseTimeConstantMs`. */
  #currentTarget(now: number): number {
    const wanted = this.#wanted();
    if (this.#targetAt === undefined || wanted >= this.#targetDelay) return wanted;
    const elapsed = Math.max(0, now - this.#targetAt);
    return wanted + (this.#targetDelay - wanted) * Math.exp(-elapsed / this.#decreaseMs);
  }
}

function push(values: number[], value: number, limit: number): void {
  values.push(value);
  if (values.length > limit) values.shift();
}
