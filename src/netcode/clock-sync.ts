import { finite, nonNegative, positive, positiveInteger } from './checks.js';

/** Tuning of a {@link ClockSync}. Times in ms of the local clock. */
export interface ClockSyncOptions {
  /**
   * Probes sent in the opening burst (default 5). Until that many replies are in, the applied offset steps
   * to each reply with a lower RTT than all before it, and the clock is not `synced`.
   */
  burstProbes?: number;
  /** Gap between burst probes, and between probes while not yet `synced` (default 100 ms). */
  burstIntervalMs?: number;
  /** Gap between probes once the burst is over and the clock is synced (default 3000 ms). */
  intervalMs?: number;
  /** Newest samples kept (default 16, with the 3 s interval about 45 s). */
  windowSize?: number;
  /** The estimate is the median offset of this many lowest-RTT samples (default 3). */
  bestOf?: number;
  /** Samples needed before `synced` is true (default 3; the opening burst's replies are needed too). */
  minSamples?: number;
  /**
   * A sample is an outlier, and ignored, when its RTT exceeds the window's minimum by more than
   * `max(outlierMarginMs, minRtt * outlierRatio)` (defaults 10 ms and 0.5): its delay was mostly queueing,
   * so its offset says little.
   */
  outlierMarginMs?: number;
  outlierRatio?: number;
  /**
   * How fast the applied offset may move toward the estimate, in ms of offset per ms of local time
   * (default 0.01, i.e. 1 ms per 100 ms): remote time then runs at 99%..101% speed, never backwards.
   */
  maxSlewRate?: number;
  /**
   * How fast the applied offset may move while a rough offset is being corrected: after a `restart` that
   * took its `roughOffset`, until the opening burst's replies are in and their estimate is reached
   * (default: `maxSlewRate`). A rough
   * offset has no round trip bounding it (a greeting held up by a busy server is off by all of that
   * delay), so correcting it at the steady rate would leave remote time wrong for many seconds; any rate
   * below 1 still never runs remote time backwards.
   */
  openingSlewRate?: number;
  /**
   * Largest relative rate difference (drift) of the two clocks believed, in parts per million (default
   * 1000). The drift is measured from the window (best sample of its older half against best of its newer
   * half) and old samples are carried forward by it; this bounds that measurement.
   */
  maxDriftPpm?: number;
  /**
   * An estimate further than this from the applied offset is jumped to at once (default 1000 ms): slewing
   * a whole second at 1% would take 100 s of wrong time, and an error that large means a clock was reset.
   */
  jumpThresholdMs?: number;
}

interface Sample {
  readonly offset: number;
  readonly rtt: number;
  /** Local receive time (t3). */
  readonly at: number;
}

/**
 * NTP-style estimate of a remote clock (the server's) from the local one. The caller sends a probe
 * carrying its local time t0 whenever {@link ClockSync.probeDue} says so; the far side answers with the
 * time it received the probe (t1) and sent the answer (t2); on receipt at local t3 the caller passes all
 * four to {@link ClockSync.onSample}. Pure: no timers, no I/O, times are passed in.
 *
 * The estimate comes from the lowest-RTT samples of a small window (queueing only ever adds delay, so the
 * fastest round trips are the most symmetric ones), each carried forward by the measured rate difference
 * of the two clocks (a few hundred ppm is common). The applied offset is slewed toward it at a bounded
 * rate, never jumped, so remote time never runs backwards once `synced`. Before that, during the opening
 * burst (its first `burstProbes` replies), the applied offset steps to the best single reply so far: the
 * first, then each with a lower RTT than all before it (one held up on its way out of a busy link must
 * not be where the slew starts: at 1 ms per 100 ms, the rest of the burst would barely count). After the
 * burst, only an error beyond `jumpThresholdMs` is applied at once. A fixed path asymmetry (uplink slower
 * than downlink) shifts any NTP-style estimate by half the difference; no protocol of this kind can see it.
 */
export class ClockSync {
  readonly #burstProbes: number;
  readonly #burstIntervalMs: number;
  readonly #intervalMs: number;
  readonly #windowSize: number;
  readonly #bestOf: number;
  readonly #minSamples: number;
  readonly #outlierMarginMs: number;
  readonly #outlierRatio: number;
  readonly #maxSlewRate: number;
  readonly #openingSlewRate: number;
  readonly #maxDrift: number;
  readonly #jumpThresholdMs: number;

  #samples: Sample[] = [];
  #probesSent = 0;
  #lastProbeAt: number | undefined;
  /** The estimate: `#target` at local time `#targetAt`, moving by `#drift` ms per ms from there. */
  #target: number | undefined;
  #targetAt = 0;
  #drift = 0;
  #offset = 0;
  #offsetAt: number | undefined;
  #rtt: number | undefined;
  /** Replies of the opening burst still to come: each with a lower RTT than `#steppedRtt` is stepped to. */
  #burstLeft = 0;
  /** RTT of the reply the applied offset last stepped to in the opening burst. */
  #steppedRtt = Number.POSITIVE_INFINITY;
  /**
   * The applied offset is a rough one (see `restart`): the opening burst's replies are slewed to at
   * `openingSlewRate` rather than stepped to, so remote time runs on, until the estimate is reached.
   */
  #correctingRough = false;

  constructor(options: ClockSyncOptions = {}) {
    this.#burstProbes = positiveInteger('burstProbes', options.burstProbes ?? 5);
    this.#burstIntervalMs = positive('burstIntervalMs', options.burstIntervalMs ?? 100);
    this.#intervalMs = positive('intervalMs', options.intervalMs ?? 3000);
    this.#windowSize = positiveInteger('windowSize', options.windowSize ?? 16);
    this.#bestOf = positiveInteger('bestOf', options.bestOf ?? 3);
    this.#minSamples = positiveInteger('minSamples', options.minSamples ?? 3);
    this.#outlierMarginMs = nonNegative('outlierMarginMs', options.outlierMarginMs ?? 10);
    this.#outlierRatio = nonNegative('outlierRatio', options.outlierRatio ?? 0.5);
    this.#maxSlewRate = positive('maxSlewRate', options.maxSlewRate ?? 0.01);
    this.#openingSlewRate = positive('openingSlewRate', options.openingSlewRate ?? this.#maxSlewRate);
    if (this.#openingSlewRate >= 1)
      throw new RangeError('openingSlewRate must be below 1: remote time would run backwards');
    this.#maxDrift = nonNegative('maxDriftPpm', options.maxDriftPpm ?? 1000) * 1e-6;
    this.#jumpThresholdMs = positive('jumpThresholdMs', options.jumpThresholdMs ?? 1000);
    if (this.#minSamples > this.#windowSize) throw new TypeError('minSamples must not exceed windowSize');
    this.#burstLeft = this.#burstProbes;
  }

  /**
   * True when a probe should go out at local time `now`; call {@link probeSent} when it does. A
   * non-finite `now` throws a TypeError (at NaN no probe would ever be due).
   */
  probeDue(now: number): boolean {
    finite('now', now);
    if (this.#lastProbeAt === undefined) return true;
    const gap =
      this.#probesSent < this.#burstProbes || !this.synced ? this.#burstIntervalMs : this.#intervalMs;
    return now - this.#lastProbeAt >= gap;
  }

  /** Records that a probe stamped t0 = `now` went out (a non-finite `now` throws a TypeError). */
  probeSent(now: number): void {
    finite('now', now);
    this.#probesSent++;
    this.#lastProbeAt = now;
  }

  /**
   * Feeds one answered probe: t0 local send, t1 remote receive, t2 remote send, t3 local receive.
   * Returns false (and ignores it) when the times are impossible (non-finite, a negative RTT, or an
   * offset past the range of numbers: remote times near 1e308).
   */
  onSample(t0: number, t1: number, t2: number, t3: number): boolean {
    const rtt = t3 - t0 - (t2 - t1);
    const offset = (t1 - t0 + (t2 - t3)) / 2;
    // Each time finite is not enough: remote times near 1e308 give an infinite offset, which later makes
    // the drift NaN, and a NaN drift stays for good (restart keeps the applied offset).
    if (!Number.isFinite(rtt) || !Number.isFinite(offset) || rtt < 0 || t2 < t1) return false;
    this.#advance(t3);
    // The true offset lies within offset +- rtt/2. A sample that far from the estimate proves the remote
    // clock was reset: the older samples describe a clock that no longer exists.
    const target = this.#targetNow(t3);
    if (target !== undefined && Math.abs(offset - target) > this.#jumpThresholdMs + rtt / 2) {
      this.#samples = [];
    }
    this.#samples.push({ offset, rtt, at: t3 });
    if (this.#samples.length > this.#windowSize) this.#samples.shift();
    this.#estimate(t3);
    const estimate = this.#target as number;
    const opening = this.#burstLeft > 0;
    if (opening) this.#burstLeft--;
    if (this.#offsetAt === undefined || (opening && !this.#correctingRough && rtt < this.#steppedRtt)) {
      // The reply with the lowest RTT has the tightest bound (its offset is within rtt/2 of the truth);
      // the median of the best few, which the slew follows from here, needs more samples than a burst.
      this.#offset = offset;
      this.#steppedRtt = rtt;
    } else if (Math.abs(estimate - this.#offset) > this.#jumpThresholdMs) {
      this.#offset = estimate;
    }
    // Not back to a t3 before the latest time passed in: the slew since then would be applied twice, and
    // remote time at that latest time would move back.
    this.#offsetAt = Math.max(this.#offsetAt ?? t3, t3);
    return true;
  }

  /**
   * The remote clock's time at local time `localNow`; advances the slew (pass non-decreasing times). A
   * non-finite `localNow` throws a TypeError and changes nothing: +Infinity kept as the latest time would
   * stop the slew for good (every later time would be before it).
   */
  remoteNow(localNow: number): number {
    finite('localNow', localNow);
    this.#advance(localNow);
    return localNow + this.#offset;
  }

  /** The applied offset (remote - local, ms) as of the latest time passed in. */
  get offsetMs(): number {
    return this.#offset;
  }

  /** The offset the samples point at; the applied one slews toward it. undefined before any sample. */
  get targetOffsetMs(): number | undefined {
    return this.#targetNow(this.#offsetAt ?? 0);
  }

  /** Measured rate difference of the clocks (remote ms gained per local ms; 300 ppm is 0.0003). */
  get drift(): number {
    return this.#drift;
  }

  /** Lowest RTT in the window (ms): the path's round trip without queueing. undefined before any sample. */
  get rttMs(): number | undefined {
    return this.#rtt;
  }

  /**
   * True once `minSamples` samples are in and the opening burst is over (its `burstProbes` replies in, so
   * the applied offset no longer steps): `remoteNow` is then worth acting on, and from then on it only
   * slews (or jumps on an error over `jumpThresholdMs`).
   */
  get synced(): boolean {
    return this.#samples.length >= this.#minSamples && this.#burstLeft === 0;
  }

  /** Forgets everything (after a reconnect to another server); the next estimate is applied at once. */
  reset(): void {
    this.#samples = [];
    this.#probesSent = 0;
    this.#lastProbeAt = undefined;
    this.#target = undefined;
    this.#drift = 0;
    this.#offset = 0;
    this.#offsetAt = undefined;
    this.#rtt = undefined;
    this.#burstLeft = this.#burstProbes;
    this.#steppedRtt = Number.POSITIVE_INFINITY;
    this.#correctingRough = false;
  }

  /**
   * Starts over on a new connection (perhaps to another server, perhaps by another path) at local time
   * `now`: forgets the samples and probes, as {@link reset} does, but remote time runs on from the
   * applied offset, and the next samples are slewed to from there. `roughOffset` is an estimate no round
   * trip bounds (a server's time in its greeting, off by the one-way delay): it is applied at once when no
   * offset is applied yet, or when it is further than `jumpThresholdMs` from the applied one (the remote
   * clock was reset: a server restarted); otherwise the applied offset, from samples, is the better one.
   * A rough offset taken is corrected by the opening burst's replies at `openingSlewRate`; an applied
   * offset kept is corrected by the new samples at the steady `maxSlewRate`.
   * A non-finite `now` or `roughOffset` throws a TypeError and changes nothing.
   */
  restart(now: number, roughOffset?: number): void {
    finite('now', now);
    if (roughOffset !== undefined) finite('roughOffset', roughOffset);
    this.#advance(now);
    const applied = this.#offsetAt === undefined ? undefined : this.#offset;
    const takesRough =
      roughOffset !== undefined &&
      (applied === undefined || Math.abs(roughOffset - applied) > this.#jumpThresholdMs);
    const offset = takesRough ? roughOffset : applied;
    this.reset();
    if (offset === undefined) return;
    this.#offset = offset;
    this.#offsetAt = now;
    // Remote time runs on from this offset: the new samples are slewed to, never stepped to; quickly while
    // the opening burst corrects a rough one, at the steady rate otherwise.
    if (takesRough) this.#correctingRough = true;
    else this.#burstLeft = 0;
  }

  #targetNow(now: number): number | undefined {
    return this.#target === undefined ? undefined : this.#target + this.#drift * (now - this.#targetAt);
  }

  #advance(now: number): void {
    const target = this.#targetNow(now);
    if (target === undefined || this.#offsetAt === undefined) return;
    const elapsed = now - this.#offsetAt;
    if (!(elapsed > 0)) return;
    const step = elapsed * (this.#correctingRough ? this.#openingSlewRate : this.#maxSlewRate);
    const error = target - this.#offset;
    this.#offset = Math.abs(error) <= step ? target : this.#offset + Math.sign(error) * step;
    this.#offsetAt = now;
    // A rough offset is corrected quickly until the burst's estimate is reached, not only while the
    // burst lasts: on a slow path its last replies come before much of the correction is done.
    if (this.#correctingRough && this.#burstLeft === 0 && this.#offset === target)
      this.#correctingRough = false;
  }

  /**
   * Drift from the lowest-RTT sample of each half of the window, smoothed: each is accurate to a few ms,
   * so over the window's tens of seconds the slope is good to a few tens of ppm.
   */
  #measureDrift(): void {
    const samples = this.#samples;
    const first = samples[0] as Sample;
    const last = samples[samples.length - 1] as Sample;
    if (last.at - first.at < MIN_DRIFT_SPAN_MS) return;
    const middle = (first.at + last.at) / 2;
    let older: Sample | undefined;
    let newer: Sample | undefined;
    for (const sample of samples) {
      if (sample.at < middle) {
        if (older === undefined || sample.rtt < older.rtt) older = sample;
      } else if (newer === undefined || sample.rtt < newer.rtt) {
        newer = sample;
      }
    }
    if (older === undefined || newer === undefined) return;
    const slope = (newer.offset - older.offset) / (newer.at - older.at);
    const bounded = Math.max(-this.#maxDrift, Math.min(this.#maxDrift, slope));
    this.#drift += (bounded - this.#drift) * DRIFT_GAIN;
  }

  #estimate(now: number): void {
    let minRtt = Number.POSITIVE_INFINITY;
    for (const sample of this.#samples) minRtt = Math.min(minRtt, sample.rtt);
    const limit = minRtt + Math.max(this.#outlierMarginMs, minRtt * this.#outlierRatio);
    this.#measureDrift();
    // Each sample is carried forward to `now` by the drift; its error bound grows with age by what the
    // drift measurement may still be off.
    const errorBound = (sample: Sample) => sample.rtt / 2 + (now - sample.at) * DRIFT_UNCERTAINTY;
    const best = this.#samples
      .filter((sample) => sample.rtt <= limit)
      .sort((a, b) => errorBound(a) - errorBound(b))
      .slice(0, this.#bestOf)
      .map((sample) => sample.offset + this.#drift * (now - sample.at))
      .sort((a, b) => a - b);
    const middle = best.length >> 1;
    this.#target =
      best.length % 2 === 1
        ? (best[middle] as number)
        : ((best[middle - 1] as number) + (best[middle] as number)) / 2;
    this.#targetAt = now;
    this.#rtt = minRtt;
  }
}

/** Below this span of samples (ms) a slope says more about jitter than about drift. */
const MIN_DRIFT_SPAN_MS = 20_000;
/** Weight of each new drift measurement: successive windows overlap, so they are smoothed over several. */
const DRIFT_GAIN = 0.2;
/** What the measured drift may still be off by (per ms of sample age): 50 ppm. */
const DRIFT_UNCERTAINTY = 50e-6;
