import { positiveInteger, tickNumber } from './checks.js';

/** Tuning of a {@link DesyncMonitor}. */
export interface DesyncMonitorOptions {
  /** Ticks of own hashes kept to compare reports against (default 600, 10 s at 60 Hz). */
  historyTicks?: number;
  /** Ticks of inputs kept for a mismatch record (default 120). */
  inputTicks?: number;
  /** Checkpoints (states to replay from) kept (default 4). */
  checkpoints?: number;
}

/** One tick's input, as logged. */
export interface LoggedInput<I> {
  readonly tick: number;
  readonly input: I;
}

/**
 * Everything needed to reproduce a desync offline: from `baseline` (when a checkpoint was recorded),
 * step `inputs` in order and compare the hash after `tick` with the server's and the client's. JSON-safe when I and S are.
 */
export interface DesyncRecord<I, S> {
  readonly tick: number;
  readonly serverHash: number;
  readonly clientHash: number;
  /** Inputs for the ticks leading up to and including `tick`, oldest first, consecutive. */
  readonly inputs: readonly LoggedInput<I>[];
  /** The newest checkpoint the inputs start right after, if one was kept. */
  readonly baseline?: { readonly tick: number; readonly state: S };
}

/** The outcome of {@link DesyncMonitor.check}. */
export type DesyncCheck<I, S> =
  | { readonly status: 'match' }
  /** The tick is not in the history (too old, or not simulated yet): nothing can be said. */
  | { readonly status: 'unknown' }
  | { readonly status: 'mismatch'; readonly record: DesyncRecord<I, S> };

/**
 * Detects simulation desyncs between two sides that both hash their state each tick (e.g. with
 * `fnv1a32` over quantized fields). The server `record`s its hash and the inputs it consumed each tick,
 * the client reports (tick, hash) every so often, and the server `check`s each report; a mismatch comes
 * with a record that can be serialized and replayed. (A client checking hashes the server sends can use
 * it the same way; "server" then means this side.)
 */
export class DesyncMonitor<I = unknown, S = unknown> {
  readonly #historyTicks: number;
  readonly #inputTicks: number;
  readonly #checkpointsKept: number;
  #hashes: number[] = [];
  #hashFirstTick = 0;
  #inputs: LoggedInput<I>[] = [];
  #checkpoints: { tick: number; state: S }[] = [];
  #matches = 0;
  #mismatches = 0;
  #unknown = 0;

  constructor(options: DesyncMonitorOptions = {}) {
    this.#historyTicks = positiveInteger('historyTicks', options.historyTicks ?? 600);
    this.#inputTicks = positiveInteger('inputTicks', options.inputTicks ?? 120);
    this.#checkpointsKept = positiveInteger('checkpoints', options.checkpoints ?? 4);
  }

  /**
   * Records the server's hash of the state after `tick`, and the input(s) that tick consumed. Ticks follow
   * one another; a gap or a step back starts the history over.
   */
  record(tick: number, hash: number, input: I): void {
    tickNumber('tick', tick);
    if (this.#hashes.length === 0 || tick !== this.#hashFirstTick + this.#hashes.length) {
      this.#hashes = [];
      this.#inputs = [];
      this.#checkpoints = this.#checkpoints.filter((checkpoint) => checkpoint.tick === tick - 1);
      this.#hashFirstTick = tick;
    }
    this.#hashes.push(hash >>> 0);
    if (this.#hashes.length > this.#historyTicks) {
      this.#hashes.shift();
      this.#hashFirstTick++;
    }
    this.#inputs.push({ tick, input });
    if (this.#inputs.length > this.#inputTicks) this.#inputs.shift();
  }

  /**
   * Keeps `state` (the state after `tick`, JSON-safe, not mutated later) as a starting point for replays.
   * Record one every so often (e.g. every `inputTicks / 2` ticks) so a mismatch record can carry one.
   */
  checkpoint(tick: number, state: S): void {
    tickNumber('tick', tick);
    this.#checkpoints.push({ tick, state });
    if (this.#checkpoints.length > this.#checkpointsKept) this.#checkpoints.shift();
  }

  /** Compares the client's reported hash for `tick` with the server's recorded one. */
  check(tick: number, clientHash: number): DesyncCheck<I, S> {
    const local = Number.isSafeInteger(tick) ? this.#hashes[tick - this.#hashFirstTick] : undefined;
    if (local === undefined) {
      this.#unknown++;
      return { status: 'unknown' };
    }
    if (local === clientHash >>> 0) {
      this.#matches++;
      return { status: 'match' };
    }
    this.#mismatches++;
    return { status: 'mismatch', record: this.#recordFor(tick, local, clientHash >>> 0) };
  }

  /** Counters of `check` outcomes. */
  get stats(): { readonly matches: number; readonly mismatches: number; readonly unknown: number } {
    return { matches: this.#matches, mismatches: this.#mismatches, unknown: this.#unknown };
  }

  #recordFor(tick: number, serverHash: number, clientHash: number): DesyncRecord<I, S> {
    const upTo = this.#inputs.filter((logged) => logged.tick <= tick);
    const oldestInput = upTo[0]?.tick ?? tick + 1;
    let baseline: { tick: number; state: S } | undefined;
    for (const checkpoint of this.#checkpoints) {
      if (checkpoint.tick < tick && checkpoint.tick >= oldestInput - 1) baseline = checkpoint;
    }
    const inputs = baseline === undefined ? upTo : upTo.filter((logged) => logged.tick > baseline.tick);
    return baseline === undefined
      ? { tick, serverHash, clientHash, inputs }
      : { tick, serverHash, clientHash, inputs, baseline };
  }
}

/** A desync record as JSON text (for a log line, a bug report, or a replay tool). */
export function serializeDesync<I, S>(record: DesyncRecord<I, S>): string {
  return JSON.stringify(record);
}

/**
 * Reads what {@link serializeDesync} wrote; throws a TypeError naming the first thing out of shape.
 * Inputs and the baseline state come back as plain JSON values: the game checks them.
 */
export function parseDesync(json: string): DesyncRecord<unknown, unknown> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null) throw new TypeError('desync record: not an object');
  const record = value as Record<string, unknown>;
  const tick = record.tick;
  const uint32 = (name: string) => {
    const hash = record[name];
    if (typeof hash !== 'number' || hash >>> 0 !== hash) throw new TypeError(`desync record: bad ${name}`);
    return hash;
  };
  if (!isTick(tick)) {
    throw new TypeError('desync record: bad tick');
  }
  if (!Array.isArray(record.inputs)) throw new TypeError('desync record: inputs is not an array');
  const inputs = record.inputs.map((entry: unknown, index) => {
    const logged = entry as { tick?: unknown; input?: unknown } | null;
    if (typeof logged !== 'object' || logged === null || !isTick(logged.tick) || !('input' in logged)) {
      throw new TypeError(`desync record: bad input at ${index}`);
    }
    return { tick: logged.tick, input: logged.input };
  });
  const result = { tick, serverHash: uint32('serverHash'), clientHash: uint32('clientHash'), inputs };
  const baseline = record.baseline as { tick?: unknown; state?: unknown } | undefined;
  if (baseline === undefined) return result;
  if (typeof baseline !== 'object' || baseline === null || !isTick(baseline.tick)) {
    throw new TypeError('desync record: bad baseline');
  }
  return { ...result, baseline: { tick: baseline.tick, state: baseline.state } };
}

function isTick(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
