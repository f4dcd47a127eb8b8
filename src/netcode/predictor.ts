import { callback, positiveInteger, tickNumber } from './checks.js';

/** What a {@link Predictor} needs from the game. */
export interface PredictorOptions<S, I> {
  /** The state to predict from (cloned; the caller keeps its object). */
  initial: S;
  /** Tick `tick` of the game's simulation: applies `input` to `state` in place. Must be deterministic. */
  step(state: S, input: I, tick: number): void;
  /** A deep copy of a state. */
  clone(state: S): S;
  /** How far apart two states are, in the game's units (0 when equal): the size of a correction. */
  distance(a: S, b: S): number;
  /** Inputs kept for replay (default 240, 4 s at 60 Hz): more than any round trip plus margin. */
  capacity?: number;
}

/** What {@link Predictor.reconcile} did. */
export interface Correction<S> {
  /** The prediction as it was before (a copy): feed it with `current` to an ErrorSmoother. */
  readonly previous: S;
  /** distance(previous, corrected): 0 when the server agreed with the prediction. */
  readonly error: number;
  /** Inputs replayed on top of the server state. */
  readonly replayed: number;
  /** False when the server state was older than the input history: inputs were missing from the replay. */
  readonly complete: boolean;
}

/**
 * Client-side prediction of the local player's entity, with server reconciliation. `predict` each tick
 * with that tick's input (it is applied at once, so the player sees no round trip). When a snapshot brings
 * the server's state of the entity after tick T, `reconcile(T, state)` restores it and replays the
 * inputs recorded after T: with a deterministic `step` and no server-side surprise the result is exactly
 * the old prediction (error 0).
 */
export class Predictor<S, I> {
  readonly #step: (state: S, input: I, tick: number) => void;
  readonly #clone: (state: S) => S;
  readonly #distance: (a: S, b: S) => number;
  readonly #capacity: number;
  #state: S;
  /** The tick `#state` is after; undefined before the first predict or reconcile. */
  #tick: number | undefined;
  /** Inputs for ticks `#firstTick`.. `#tick`. */
  #inputs: I[] = [];
  #firstTick = 0;

  constructor(options: PredictorOptions<S, I>) {
    this.#step = callback('step', options.step);
    this.#clone = callback('clone', options.clone);
    this.#distance = callback('distance', options.distance);
    this.#capacity = positiveInteger('capacity', options.capacity ?? 240);
    this.#state = options.clone(options.initial);
  }

  /**
   * Records `input` for `tick` and steps the predicted state with it. Ticks must follow one another (the
   * first call may start anywhere).
   */
  predict(tick: number, input: I): S {
    tickNumber('tick', tick);
    if (this.#tick !== undefined && tick !== this.#tick + 1) {
      throw new RangeError(`predicted tick ${tick} does not follow tick ${this.#tick}`);
    }
    if (this.#inputs.length === 0) this.#firstTick = tick;
    this.#inputs.push(input);
    if (this.#inputs.length > this.#capacity) {
      this.#inputs.shift();
      this.#firstTick++;
    }
    this.#stepInPlace(input, tick);
    this.#tick = tick;
    return this.#state;
  }

  /**
   * The server's state of this entity after it simulated `serverTick` (having consumed this client's
   * inputs up to it). Restores it, replays the recorded inputs after `serverTick`, and forgets those at or
   * before it. A state for a tick ahead of the prediction is adopted as is (the prediction restarts there).
   */
  reconcile(serverTick: number, serverState: S): Correction<S> {
    tickNumber('serverTick', serverTick);
    const previous = this.#clone(this.#state);
    this.#state = this.#clone(serverState);
    const drop = Math.max(0, Math.min(this.#inputs.length, serverTick - this.#firstTick + 1));
    // With nothing pending, `#firstTick - 1` is the prediction's tick: an older state lacks its inputs too.
    const complete = this.#tick === undefined || serverTick >= this.#firstTick - 1;
    this.#inputs.splice(0, drop);
    this.#firstTick += drop;
    if (this.#tick === undefined || serverTick >= this.#tick) {
      this.#inputs = [];
      this.#tick = serverTick;
      this.#firstTick = serverTick + 1;
    } else {
      this.#inputs.forEach((input, index) => {
        this.#stepInPlace(input, this.#firstTick + index);
      });
    }
    return {
      previous,
      error: this.#distance(previous, this.#state),
      replayed: this.#inputs.length,
      complete,
    };
  }

  /**
   * Steps the predicted state with the game's `step`, which changes it in place. A `step` written the
   * immutable way (returning the next state) would leave the prediction where it was, silently: a value
   * returned is refused.
   */
  #stepInPlace(input: I, tick: number): void {
    const returned: unknown = this.#step(this.#state, input, tick);
    if (returned !== undefined) {
      throw new TypeError(
        'Predictor: step must change the state it is given in place and return nothing; it returned a value',
      );
    }
  }

  /** The predicted state after `tick` (read it, do not keep it across calls: it is stepped in place). */
  get state(): S {
    return this.#state;
  }

  /** The tick the predicted state is after; undefined before anything happened. */
  get tick(): number | undefined {
    return this.#tick;
  }

  /** Inputs recorded and not yet covered by a server state. */
  get pending(): number {
    return this.#inputs.length;
  }

  /** Starts over from `state` (after a reconnect: the server sends a full snapshot, prediction restarts). */
  reset(state: S): void {
    this.#state = this.#clone(state);
    this.#tick = undefined;
    this.#inputs = [];
    this.#firstTick = 0;
  }
}
