import { callback, finite, nonNegative, optionalCallback, positiveInteger } from './checks.js';

/** What an {@link InterpolationBuffer} needs from the game. Times in ms of server time. */
export interface InterpolationBufferOptions<S> {
  /** The state `t` (0..1) of the way from `a` to `b` (a new object; wrap angles the short way). */
  lerp(a: S, b: S, t: number): S;
  /**
   * `state` carried `dtMs` forward (e.g. by its velocity), a new object. Without it the newest state is
   * held when render time passes it.
   */
  extrapolate?(state: S, dtMs: number): S;
  /** Samples kept (default 32); the oldest go first. */
  capacity?: number;
  /** Extrapolation stops this far past the newest sample and the state holds (default 250 ms). */
  maxExtrapolationMs?: number;
  /**
   * After extrapolating, the output blends from the old extrapolation to the fresh data over this long
   * (default 100 ms), so a late snapshot does not make the entity jump.
   */
  convergeMs?: number;
}

/** One rendered state and where it came from. */
export interface InterpolatedSample<S> {
  readonly state: S;
  /** True when render time was past the newest sample (the state is a guess). */
  readonly extrapolated: boolean;
  /** True while converging from an earlier extrapolation back to the data. */
  readonly blending: boolean;
}

interface Timed<S> {
  readonly time: number;
  readonly state: S;
}

/**
 * One remote entity's recent states by server time, for drawing it a little in the past (the render time
 * an AdaptiveDelay gives): between two samples the state is interpolated; past the newest it is
 * extrapolated for at most `maxExtrapolationMs`, then held. Samples may arrive out of order and are
 * kept in time order; duplicates, non-finite times, and (once `capacity` samples are held) samples older
 * than everything kept are ignored.
 */
export class InterpolationBuffer<S> {
  readonly #lerp: (a: S, b: S, t: number) => S;
  readonly #extrapolate: ((state: S, dtMs: number) => S) | undefined;
  readonly #capacity: number;
  readonly #maxExtrapolationMs: number;
  readonly #convergeMs: number;
  #samples: Timed<S>[] = [];
  /** The sample the previous output was extrapolated from, if it was. */
  #extrapolatedFrom: Timed<S> | undefined;
  #blend: { from: Timed<S>; start: number } | undefined;

  constructor(options: InterpolationBufferOptions<S>) {
    this.#lerp = callback('lerp', options.lerp);
    this.#extrapolate = optionalCallback('extrapolate', options.extrapolate);
    this.#capacity = positiveInteger('capacity', options.capacity ?? 32);
    if (this.#capacity < 2) throw new TypeError('capacity must be at least 2');
    this.#maxExtrapolationMs = nonNegative('maxExtrapolationMs', options.maxExtrapolationMs ?? 250);
    this.#convergeMs = nonNegative('convergeMs', options.convergeMs ?? 100);
  }

  /**
   * Adds the state at server time `time`. Returns false, keeping nothing, when it was a duplicate (a
   * sample with that time is held), too old to keep (the buffer is full and it is older than all it
   * holds), or `time` is not a finite number.
   */
  push(time: number, state: S): boolean {
    if (!Number.isFinite(time)) return false;
    const samples = this.#samples;
    let at = samples.length;
    while (at > 0 && (samples[at - 1] as Timed<S>).time > time) at--;
    if (at > 0 && (samples[at - 1] as Timed<S>).time === time) return false;
    if (at === 0 && samples.length >= this.#capacity) return false;
    samples.splice(at, 0, { time, state });
    if (samples.length > this.#capacity) samples.shift();
    return true;
  }

  /**
   * The state to draw at server time `renderTime`; undefined only while no sample has arrived. A
   * non-finite `renderTime` throws a TypeError and leaves the buffer as it was.
   */
  sample(renderTime: number): InterpolatedSample<S> | undefined {
    finite('renderTime', renderTime);
    const samples = this.#samples;
    const newest = samples[samples.length - 1];
    if (newest === undefined) return undefined;
    let state: S;
    let extrapolatedFrom: Timed<S> | undefined;
    if (renderTime > newest.time) {
      extrapolatedFrom = newest;
      state = this.#extrapolated(newest, renderTime);
    } else {
      state = this.#interpolated(renderTime);
    }
    // Leaving an extrapolation (new data, or a newer sample to extrapolate from) would jump: blend instead.
    const previous = this.#extrapolatedFrom;
    if (previous !== undefined && previous !== extrapolatedFrom && this.#convergeMs > 0) {
      this.#blend = { from: previous, start: renderTime };
    }
    this.#extrapolatedFrom = extrapolatedFrom;
    const blend = this.#blend;
    if (blend !== undefined) {
      const progress = (renderTime - blend.start) / this.#convergeMs;
      if (progress >= 1 || progress < 0) {
        this.#blend = undefined;
      } else {
        state = this.#lerp(this.#extrapolated(blend.from, renderTime), state, progress);
      }
    }
    return { state, extrapolated: extrapolatedFrom !== undefined, blending: this.#blend !== undefined };
  }

  /** Server time of the newest sample, if any. */
  get newestTime(): number | undefined {
    return this.#samples[this.#samples.length - 1]?.time;
  }

  /** Samples held. */
  get size(): number {
    return this.#samples.length;
  }

  /** Forgets every sample (the entity left, or a full resync). */
  clear(): void {
    this.#samples = [];
    this.#extrapolatedFrom = undefined;
    this.#blend = undefined;
  }

  #extrapolated(from: Timed<S>, renderTime: number): S {
    if (this.#extrapolate === undefined) return from.state;
    const dt = Math.min(Math.max(0, renderTime - from.time), this.#maxExtrapolationMs);
    return this.#extrapolate(from.state, dt);
  }

  #interpolated(renderTime: number): S {
    const samples = this.#samples;
    const oldest = samples[0] as Timed<S>;
    if (renderTime <= oldest.time) return oldest.state;
    // Render time moves forward steadily, so the pair is nearly always among the newest: search back.
    let index = samples.length - 1;
    while (index > 0 && (samples[index - 1] as Timed<S>).time > renderTime) index--;
    const before = samples[index - 1] as Timed<S>;
    const after = samples[index] as Timed<S>;
    if (renderTime === after.time) return after.state;
    return this.#lerp(before.state, after.state, (renderTime - before.time) / (after.time - before.time));
  }
}
