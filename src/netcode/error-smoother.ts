import { callback, finite, optionalCallback, positive } from './checks.js';

/** What an {@link ErrorSmoother} needs from the game. `S` is the state type, e.g. a vehicle's. */
export interface ErrorSmootherOptions<S> {
  /**
   * The visible difference `seen - corrected` as numbers (e.g. [dx, dy, dAngle], with the angle wrapped
   * to the short way round). Only what is drawn belongs here; velocities are corrected silently.
   */
  difference(seen: S, corrected: S): number[];
  /**
   * A copy of `state` displaced by `offset` (same layout as `difference` returns; empty when there is no
   * offset, so a missing component counts as 0): what to draw.
   */
  apply(state: S, offset: readonly number[]): S;
  /** Size of an offset; default the Euclidean norm of all its numbers. */
  magnitude?(offset: readonly number[]): number;
  /** Time (ms) for an offset to shrink to 5% of itself (default 100). */
  blendMs?: number;
  /** An offset larger than this (in `magnitude` units) is dropped at once: a teleport, not a nudge (default 4). */
  snapDistance?: number;
}

/** What {@link ErrorSmoother.onCorrection} did with a correction. */
export type SmoothingOutcome = 'none' | 'smoothed' | 'snapped';

/** ln(20): after `blendMs` an offset is e^-3 ~ 5% of what it was. */
const DECAY_PER_BLEND = 3;

/**
 * Hides reconciliation corrections: the rendered entity keeps a visual offset from the predicted state
 * that starts at `seen - corrected` and decays exponentially, so a small correction glides away over about
 * `blendMs` instead of popping. Corrections add up while one is still blending; an offset beyond
 * `snapDistance` is applied at once. Render `render(predicted)`; call `update(now)` once per frame.
 */
export class ErrorSmoother<S> {
  readonly #difference: (seen: S, corrected: S) => number[];
  readonly #apply: (state: S, offset: readonly number[]) => S;
  readonly #magnitude: (offset: readonly number[]) => number;
  readonly #blendMs: number;
  readonly #snapDistance: number;
  #offset: number[] = [];
  #updatedAt: number | undefined;
  #snaps = 0;

  constructor(options: ErrorSmootherOptions<S>) {
    this.#difference = callback('difference', options.difference);
    this.#apply = callback('apply', options.apply);
    this.#magnitude =
      optionalCallback('magnitude', options.magnitude) ??
      ((offset) => Math.sqrt(offset.reduce((sum, v) => sum + v * v, 0)));
    this.#blendMs = positive('blendMs', options.blendMs ?? 100);
    this.#snapDistance = positive('snapDistance', options.snapDistance ?? 4);
  }

  /**
   * A reconciliation moved the prediction from `seen` (what was drawn, before the offset) to `corrected`.
   * Pass `Correction.previous` and `Predictor.state`.
   */
  onCorrection(seen: S, corrected: S): SmoothingOutcome {
    const delta = this.#difference(seen, corrected);
    if (delta.every((value) => value === 0)) return 'none';
    const sum = delta.map((value, index) => value + (this.#offset[index] ?? 0));
    // Not `>`: an offset whose size is NaN (a NaN in `difference`) would be drawn, and decay, as NaN for good.
    if (!(this.#magnitude(sum) <= this.#snapDistance)) {
      this.#offset = [];
      this.#snaps++;
      return 'snapped';
    }
    this.#offset = sum;
    return 'smoothed';
  }

  /**
   * Decays the offset to local time `nowMs` (ms; call once per frame; a non-finite one throws a TypeError).
   * A time before the latest one decays nothing and is not kept: kept, the time up to the latest one
   * would decay the offset a second time.
   */
  update(nowMs: number): void {
    finite('nowMs', nowMs);
    const elapsed = this.#updatedAt === undefined ? 0 : nowMs - this.#updatedAt;
    this.#updatedAt = Math.max(this.#updatedAt ?? nowMs, nowMs);
    if (!(elapsed > 0) || this.#offset.length === 0) return;
    const keep = Math.exp((-DECAY_PER_BLEND * elapsed) / this.#blendMs);
    this.#offset = this.#offset.map((value) => value * keep);
    // Below a millionth of the snap distance the offset is invisible: stop carrying it.
    if (this.#magnitude(this.#offset) < this.#snapDistance * 1e-6) this.#offset = [];
  }

  /** What to draw: `predicted` displaced by the current offset. */
  render(predicted: S): S {
    return this.#apply(predicted, this.#offset);
  }

  /** The current visual offset (empty when there is none). */
  get offset(): readonly number[] {
    return this.#offset;
  }

  /** Corrections too large to smooth so far. */
  get snaps(): number {
    return this.#snaps;
  }

  /** Drops the offset (e.g. on respawn). */
  clear(): void {
    this.#offset = [];
  }
}
