import { type Clock, type Disposer, Emitter, median } from '../../common/index.js';
import { DEFAULT_KEEPALIVE_MS } from '../keepalive.js';
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
import { checkQualityOptions } from './quality-options.js';

/** What a quality monitor measures, as the game's indicator and the server's rate control read it. */
export interface LinkQuality {
  /**
   * Smoothed round trip (ms); NaN until measured. Keepalives give about one sample a second, so it moves
   * halfway to the median of the newest five samples at each one: a step in the path shows within about
   * five seconds, and late samples, fewer than three in five, do not move it. The first three samples
   * are not smoothed (the median of those so far) and the grade ignores the round trip until the third.
   */
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
  /**
   * How long (ms) nothing has arrived from the far side; NaN until something has. Keepalives arrive
   * about once a second, so a few seconds mean the path is down or stalled, whatever the other figures,
   * which are those from before the silence, say.
   */
  silentMs: number;
  /**
   * Whether the far side has been silent for longer than this link's usual gaps allow (see
   * `QualityMonitorOptions.silentAfterMs`): an outage or a stall, not the path's loss or delay.
   */
  silent: boolean;
  /** The grade after hysteresis: what the indicator shows. */
  grade: QualityGrade;
  /**
   * The grade the figures call for right now, before hysteresis (`poor` while `silent`):
   * what a controller with its own smoothing, like adaptive snapshot rates, should read.
   */
  measuredGrade: QualityGrade;
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
  /**
   * Nothing heard from the far side for this long (ms) is a silence: the link grades poor at once, and
   * what went missing across an occasional one is not counted as loss once the far side is heard again
   * (an outage is not the path's loss; outages that recur within `OUTAGE_EXCUSED_ONCE_PER_MS` are).
   * A link with steady traffic is judged silent sooner: after ten of its usual gaps between arrivals,
   * but not under `MIN_SILENCE_MS` (1 s) nor before its next keepalive beat is overdue (`beatEveryMs`
   * and `BEAT_LATE_MS` more), unless this option is lower. Default 3,000: on an idle link (one
   * keepalive a second) a lost keepalive is not a silence.
   */
  silentAfterMs?: number;
  /**
   * How often the far side's keepalive beats (ms): the one traffic a healthy link always carries, so no
   * shorter gap is a silence. Traffic that stops (a player back in the lobby, a spectator who sends
   * nothing) leaves gaps of a beat period, which a busy link's usual gaps would otherwise call silences.
   * Default `DEFAULT_KEEPALIVE_MS` (1,000, the links' keepalive default).
   */
  beatEveryMs?: number;
}

/** See `QualityMonitorOptions.silentAfterMs`. */
export const DEFAULT_SILENT_AFTER_MS = 3_000;
/** The shortest silence, on however busy a link: shorter gaps are felt as hitches, not outages. */
export const MIN_SILENCE_MS = 1_000;
/** How late past its period a keepalive beat may arrive on a healthy link (ms): the path's jitter. */
export const BEAT_LATE_MS = 250;
/**
 * An outage's losses are excused at most once in this long (ms): one is an event, outages that recur
 * are what the path is like (a link down a second in every two delivers half its traffic: that is loss).
 */
export const OUTAGE_EXCUSED_ONCE_PER_MS = 30_000;
/**
 * What arrives within this long (ms) of the end of a silence came held up together (in the far side's
 * buffers, the path's, or ours while this process stood still): its transit times measure the silence, not
 * the path's jitter, which would read as poor for tens of seconds after (a 5 s silence's beats, a second
 * apart and read at once, moved the estimate by ~300 ms).
 */
const SILENCE_BURST_MS = 250;
/** A link's usual gap between arrivals, as gaps longer than this count (ms): a silence is not usual. */
const LONGEST_USUAL_GAP_MS = 1_000;

/**
 * Round-trip samples whose median the smoothed round trip follows: a step in the path moves it after
 * three samples, as many late beats as fewer than three in five do not.
 */
const RTT_MEDIAN_OF = 5;
/**
 * Round-trip samples the grade waits for: the median of fewer cannot outvote one late sample, and the
 * link's first beats are as likely to be late as any (one late first beat graded a fine link poor, and
 * the grade then took `recoverAfterMs` to come back). Until then the round trip is the median of the
 * samples so far, shown but not graded.
 */
const RTT_GRADED_FROM = 3;

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
  readonly #silentAfterMs: number;
  /** No gap shorter than this is a silence (see `beatEveryMs`). */
  readonly #shortestSilenceMs: number;
  #srtt = Number.NaN;
  /** The newest round-trip samples, oldest first (at most RTT_MEDIAN_OF). */
  readonly #rttSamples: number[] = [];
  #lossUp = Number.NaN;
  /** When anything last arrived from the far side; NaN before anything has. */
  #lastHeardAt = Number.NaN;
  /** The usual gap between arrivals (ms, smoothed; NaN until two arrivals). */
  #usualGapMs = Number.NaN;
  /** The owner saw the path go down (`outage()`): silent until the far side is heard again. */
  #down = false;
  /** When an outage's losses were last excused. */
  #excusedAt = Number.NEGATIVE_INFINITY;
  /** Until when arrivals are the burst that ends a silence (see SILENCE_BURST_MS). */
  #burstUntil = Number.NEGATIVE_INFINITY;
  #measured: QualityGrade = 'good';
  #datagramsSent = 0;
  #datagramsReceived = 0;
  #grade: QualityGrade = 'good';
  /** Since when the measured grade has been fair or better, and good; NaN while it is not. */
  #fairSince = Number.NaN;
  #goodSince = Number.NaN;

  constructor(options: QualityMonitorOptions) {
    checkQualityOptions(options as unknown as Record<string, unknown>);
    this.#clock = options.clock;
    this.#thresholds = checkThresholds(options.thresholds ?? DEFAULT_QUALITY_THRESHOLDS);
    this.#recoverAfterMs = options.recoverAfterMs ?? 5_000;
    this.#lossDown = new LossWindow(options.lossMinDatagrams ?? 100, options.lossMaxReports ?? 150);
    this.#rate = new ByteRate(options.rateWindowMs ?? 2_000);
    this.#silentAfterMs = options.silentAfterMs ?? DEFAULT_SILENT_AFTER_MS;
    const beatEveryMs = options.beatEveryMs ?? DEFAULT_KEEPALIVE_MS;
    this.#shortestSilenceMs = Math.max(MIN_SILENCE_MS, beatEveryMs + BEAT_LATE_MS);
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
    const now = this.#clock.now();
    const kbps = this.#rate.kbps(now);
    return {
      rttMs: this.#srtt,
      jitterMs: this.#jitter.ms,
      lossUp: this.#lossUp,
      lossDown: this.#lossDown.ratio,
      kbpsIn: kbps.in,
      kbpsOut: kbps.out,
      silentMs: now - this.#lastHeardAt,
      silent: this.#silent(now),
      grade: this.#grade,
      measuredGrade: this.#measured,
    };
  }

  /** A round-trip sample (ms). */
  rtt(ms: number): void {
    if (!(ms >= 0)) return;
    const samples = this.#rttSamples;
    samples.push(ms);
    if (samples.length > RTT_MEDIAN_OF) samples.shift();
    const middle = median(samples);
    this.#srtt = samples.length <= RTT_GRADED_FROM ? middle : this.#srtt + (middle - this.#srtt) / 2;
    this.evaluate();
  }

  /** A packet stamped by the far side's clock (`sentAt`, ms) arrived now: feeds the RFC 3550 jitter. */
  arrival(sentAt: number, arrivedAt = this.#clock.now()): void {
    if (arrivedAt <= this.#burstUntil) this.#jitter.restart();
    else this.#jitter.add(sentAt, arrivedAt);
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
    const wasSilent = this.#silent(now);
    if (wasSilent) {
      this.#excuseOutage(now);
      this.#burstUntil = now + SILENCE_BURST_MS;
    }
    const gap = Math.min(LONGEST_USUAL_GAP_MS, now - this.#lastHeardAt);
    if (gap >= 0) {
      this.#usualGapMs = Number.isNaN(this.#usualGapMs)
        ? gap
        : this.#usualGapMs + (gap - this.#usualGapMs) / 16;
    }
    this.#lastHeardAt = now;
    this.#down = false;
    if (datagram) this.#datagramsReceived++;
    this.#rate.add('in', bytes, now);
    // The silence's poor grade ends now, not at the next keepalive: a controller reading measuredGrade
    // meanwhile would take the outage for congestion.
    if (wasSilent) this.evaluate();
  }

  /**
   * The far side's report: the datagrams it has sent us so far (counted as it sent them, this report
   * included), and the share of ours it found missing (NaN: it cannot tell yet).
   */
  peerReport(datagramsSent: number, lossOfOurs: number): void {
    this.#lossDown.add(datagramsSent, this.#datagramsReceived);
    // NaN: the far side cannot tell (yet, or again after it forgot an outage); anything else out of range
    // is not a share and is ignored.
    if (Number.isNaN(lossOfOurs) || (lossOfOurs >= 0 && lossOfOurs <= 1)) this.#lossUp = lossOfOurs;
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
    const measured = this.#silent(now)
      ? 'poor'
      : gradeOf({ rttMs: this.#gradedRtt(), jitterMs: this.#jitter.ms, loss }, this.#thresholds);
    this.#measured = measured;
    if (compareGrades(measured, this.#grade) > 0) {
      this.#fairSince = this.#goodSince = Number.NaN;
      this.#change(measured);
      return;
    }
    // Since when the figures have called for fair or better, and for good: a better grade shows once
    // they have for `recoverAfterMs` (poor -> good straight when they were good all along).
    if (measured === 'poor') this.#fairSince = this.#goodSince = Number.NaN;
    else if (Number.isNaN(this.#fairSince)) this.#fairSince = now;
    if (measured !== 'good') this.#goodSince = Number.NaN;
    else if (Number.isNaN(this.#goodSince)) this.#goodSince = now;
    if (this.#grade !== 'good' && now - this.#goodSince >= this.#recoverAfterMs) this.#change('good');
    else if (this.#grade === 'poor' && now - this.#fairSince >= this.#recoverAfterMs) this.#change('fair');
  }

  /**
   * The path was cut and is back (a reconnect its owner saw: the socket under a relayed link replaced):
   * what the far side sent that went missing meanwhile is the cut's, not the path's, and is not counted
   * as loss once its next report comes. As for a silence, at most one outage in
   * `OUTAGE_EXCUSED_ONCE_PER_MS` is excused: cuts that recur are what the path is like.
   */
  excuseOutage(): void {
    this.#excuseOutage(this.#clock.now());
  }

  /**
   * The path is down, and its owner knows it (the socket under a relayed link closed): the link reads
   * silent, and grades poor, from now until the far side is heard again, then recovers as from any
   * silence. A silence is otherwise measured against the link's usual gaps, so it shows a second or three
   * late, and never on a link that has heard nothing yet (a server that died right after its welcome):
   * meanwhile the grade read good through a reconnect.
   */
  outage(): void {
    this.#down = true;
    this.evaluate();
  }

  /** Forgets the far side's counts (a new path under the same monitor numbers from zero again). */
  resetPeer(): void {
    this.#lossDown.reset();
    this.#lossUp = Number.NaN;
  }

  /** The round trip as the grade takes it: NaN (no verdict) until RTT_GRADED_FROM samples. */
  #gradedRtt(): number {
    return this.#rttSamples.length < RTT_GRADED_FROM ? Number.NaN : this.#srtt;
  }

  /** Whether nothing has been heard for longer than this link's usual gaps allow (see silentAfterMs). */
  #silent(now: number): boolean {
    if (this.#down) return true;
    const usual = Number.isNaN(this.#usualGapMs) ? this.#silentAfterMs : 10 * this.#usualGapMs;
    const after = Math.min(this.#silentAfterMs, Math.max(this.#shortestSilenceMs, usual));
    return now - this.#lastHeardAt >= after;
  }

  /**
   * The far side is heard again after a silence: its datagrams lost across the silence are the
   * outage's, not the path's, and counted they read as loss for a window's worth of reports after (tens
   * of seconds of a poor grade on a path that is fine again). The far side does the same with ours when
   * it hears us, before its next report.
   */
  #excuseOutage(now: number): void {
    if (now - this.#excusedAt < OUTAGE_EXCUSED_ONCE_PER_MS) return;
    this.#excusedAt = now;
    this.#lossDown.excuseNextReport();
  }

  #change(grade: QualityGrade): void {
    const previous = this.#grade;
    this.#grade = grade;
    this.#events.emit('change', { grade, previous, quality: this.snapshot() });
  }
}
