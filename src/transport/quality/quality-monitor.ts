import { type Clock, type Disposer, Emitter } from '../../common/index.js';
import { ByteRate } from './byte-rate.js';
import {
  checkThresholds,
  compareGrades,
  DEFAULT_QUALITY_THRESHOLDS,
  gradeOf,
  type QualityGrade,
  type QualityThresholds,
} from './grade.js';
import { InterarrivalJitter } from './jitter.js';
import { LossWindow } from './loss-window.js';

/** What a quality monitor measures, as the game's indicator and the server's rate control read it. */
export interface LinkQuality {
  /** Smoothed round trip (ms, RFC 6298 style); NaN until measured. */
  rttMs: number;
  /** RFC 3550 interarrival jitter (ms) of the far side's timestamped keepalives; NaN until measured. */
  jitterMs: number;
  /** Share of our datagrams the far side did not get, 0..1 (its report); NaN until known. */
  lossUp: number;
  /** Share of the far side's datagrams we did not get, 0..1 (sequence gaps); NaN until known. */
  lossDown: number;
  /** Kilobits per second received and sent over the last few seconds. */
  kbpsIn: number;
  kbpsOut: number;
  /** The grade after hysteresis: what the indicator shows. */
  grade: QualityGrade;
}

export interface QualityChange {
  grade: QualityGrade;
  previous: QualityGrade;
  quality: LinkQuality;
}

/** A link's quality as callers see it: read it, or be told when the grade changes. */
export interface QualityView {
  readonly grade: QualityGrade;
  snapshot(): LinkQuality;
  on(event: 'change', listener: (change: QualityChange) => void): Disposer;
}

export interface QualityMonitorOptions {
  clock: Clock;
  /** Where fair and poor begin (see DEFAULT_QUALITY_THRESHOLDS). */
  thresholds?: QualityThresholds;
  /** A better grade is shown only once conditions have stayed better this long (ms). Default 5,000. */
  recoverAfterMs?: number;
  /** Loss is judged over at least this many datagrams of one direction. Default 100. */
  lossMinDatagrams?: number;
  /**
   * ...and over at most this many of the far side's reports (one a second by default). Default 150: on a
   * link with no traffic but its keepalive (one datagram a second each way) that is still enough reports
   * to cover `lossMinDatagrams`.
   */
  lossMaxReports?: number;
  /** Window of the kbit/s figures (ms). Default 2,000. */
  rateWindowMs?: number;
}

/**
 * Measures one link from what its keepalive and traffic tell: round trip, jitter, loss each way, bytes
 * each way, and a grade with hysteresis: a worse grade shows at once, a better one only after conditions
 * have stayed better for `recoverAfterMs`, so an indicator (or a rate controller) does not flap around a
 * threshold. Pure: time comes from the clock; nothing runs by itself.
 *
 * "Datagrams" are the messages that are never retransmitted (`phys` and the keepalive's own frames):
 * the sender numbers them by counting, and the far side's count against ours gives the loss.
 */
export class QualityMonitor implements QualityView {
  readonly #clock: Clock;
  readonly #thresholds: QualityThresholds;
  readonly #recoverAfterMs: number;
  readonly #events = new Emitter<{ change: QualityChange }>();
  readonly #jitter = new InterarrivalJitter();
  readonly #lossDown: LossWindow;
  readonly #rate: ByteRate;
  #srtt = Number.NaN;
  #lossUp = Number.NaN;
  #datagramsSent = 0;
  #datagramsReceived = 0;
  #grade: QualityGrade = 'good';
  /** Since when the measured grade has stayed better than the shown one, and the worst it was since. */
  #better: { since: number; worst: QualityGrade } | undefined;

  constructor(options: QualityMonitorOptions) {
    this.#clock = options.clock;
    this.#thresholds = checkThresholds(options.thresholds ?? DEFAULT_QUALITY_THRESHOLDS);
    this.#recoverAfterMs = options.recoverAfterMs ?? 5_000;
    this.#lossDown = new LossWindow(options.lossMinDatagrams ?? 100, options.lossMaxReports ?? 150);
    this.#rate = new ByteRate(options.rateWindowMs ?? 2_000);
  }

  get grade(): QualityGrade {
    return this.#grade;
  }

  /** Datagrams sent so far: the sequence number the next report carries. */
  get datagramsSent(): number {
    return this.#datagramsSent;
  }

  get datagramsReceived(): number {
    return this.#datagramsReceived;
  }

  on(event: 'change', listener: (change: QualityChange) => void): Disposer {
    return this.#events.on(event, listener);
  }

  snapshot(): LinkQuality {
    const kbps = this.#rate.kbps(this.#clock.now());
    return {
      rttMs: this.#srtt,
      jitterMs: this.#jitter.ms,
      lossUp: this.#lossUp,
      lossDown: this.#lossDown.ratio,
      kbpsIn: kbps.in,
      kbpsOut: kbps.out,
      grade: this.#grade,
    };
  }

  /** A round-trip sample (ms). */
  rtt(ms: number): void {
    if (!(ms >= 0)) return;
    this.#srtt = Number.isNaN(this.#srtt) ? ms : this.#srtt + (ms - this.#srtt) / 8;
    this.evaluate();
  }

  /** A packet stamped by the far side's clock (`sentAt`, ms) arrived now: feeds the RFC 3550 jitter. */
  arrival(sentAt: number, arrivedAt = this.#clock.now()): void {
    this.#jitter.add(sentAt, arrivedAt);
    this.evaluate();
  }

  /**
   * We sent `bytes`; `datagram`: a message that is never retransmitted, which the far side counts.
   * `now`: the clock's time, when the caller has already read it.
   */
  sent(bytes: number, datagram: boolean, now = this.#clock.now()): void {
    if (datagram) this.#datagramsSent++;
    this.#rate.add('out', bytes, now);
  }

  /** We received `bytes`; `datagram` and `now` as for `sent`. */
  received(bytes: number, datagram: boolean, now = this.#clock.now()): void {
    if (datagram) this.#datagramsReceived++;
    this.#rate.add('in', bytes, now);
  }

  /**
   * The far side's report: the datagrams it has sent us so far (counted as it sent them, this report
   * included), and the share of ours it found missing (NaN: it cannot tell yet).
   */
  peerReport(datagramsSent: number, lossOfOurs: number): void {
    this.#lossDown.add(datagramsSent, this.#datagramsReceived);
    if (lossOfOurs >= 0 && lossOfOurs <= 1) this.#lossUp = lossOfOurs;
    this.evaluate();
  }

  /** Re-grades from the current numbers (inputs do this themselves; call it to let a recovery show). */
  evaluate(): void {
    const now = this.#clock.now();
    const lossDown = this.#lossDown.ratio;
    const loss = Math.max(
      Number.isNaN(this.#lossUp) ? 0 : this.#lossUp,
      Number.isNaN(lossDown) ? 0 : lossDown,
    );
    const measured = gradeOf({ rttMs: this.#srtt, jitterMs: this.#jitter.ms, loss }, this.#thresholds);
    const order = compareGrades(measured, this.#grade);
    if (order > 0) {
      this.#better = undefined;
      this.#change(measured);
    } else if (order === 0) {
      this.#better = undefined;
    } else {
      const better = this.#better;
      if (!better) this.#better = { since: now, worst: measured };
      else {
        if (compareGrades(measured, better.worst) > 0) better.worst = measured;
        if (now - better.since >= this.#recoverAfterMs) {
          this.#better = undefined;
          this.#change(better.worst);
        }
      }
    }
  }

  /** Forgets the far side's counts (a new path under the same monitor numbers from zero again). */
  resetPeer(): void {
    this.#lossDown.reset();
    this.#lossUp = Number.NaN;
  }

  #change(grade: QualityGrade): void {
    const previous = this.#grade;
    this.#grade = grade;
    this.#events.emit('change', { grade, previous, quality: this.snapshot() });
  }
}
