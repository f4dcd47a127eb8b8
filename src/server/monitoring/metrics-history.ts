import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { makeDirectories } from './make-directories.js';

/** One point per second. */
export const HISTORY_RESOLUTION_MS = 1_000;

/** How a history is written to a file: oldest first, `null` for a second without data. */
export interface HistoryJson {
  version: 1;
  resolutionMs: number;
  /** Start (ms, a whole second) of the newest point. */
  end: number;
  series: Record<string, (number | null)[]>;
}

export interface MetricsHistoryOptions {
  /** Names of the series kept. */
  series: readonly string[];
  /** Points kept per series. Default 3,600 (an hour at one per second). */
  capacity?: number;
}

/**
 * Time series at one-second resolution in fixed-size rings (a Float64Array per series, NaN where a
 * second has no data): memory stays the same however long the server runs. Seconds are slots, so a
 * missed sample or a restart leaves a visible gap rather than squeezing time.
 */
export class MetricsHistory {
  readonly capacity: number;
  readonly #rings = new Map<string, Float64Array>();
  /** The newest second written (ms / 1000), or undefined while empty. */
  #endSecond: number | undefined;
  /** Seconds covered so far, up to the capacity. */
  #span = 0;

  constructor(options: MetricsHistoryOptions) {
    this.capacity = options.capacity ?? 3_600;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new TypeError(`history capacity must be a positive integer, got ${this.capacity}`);
    }
    for (const name of options.series)
      this.#rings.set(name, new Float64Array(this.capacity).fill(Number.NaN));
  }

  get seriesNames(): string[] {
    return [...this.#rings.keys()];
  }

  /** Start (ms) of the newest second recorded. */
  get end(): number | undefined {
    return this.#endSecond === undefined ? undefined : this.#endSecond * HISTORY_RESOLUTION_MS;
  }

  /**
   * Records the values of the second `now` falls in (a second sample in the same second replaces the
   * first). Series not given get no data for that second; a time before the newest second is ignored.
   */
  record(now: number, values: Readonly<Record<string, number>>): void {
    const second = Math.floor(now / HISTORY_RESOLUTION_MS);
    if (this.#endSecond !== undefined && second < this.#endSecond) return;
    this.#advanceTo(second);
    const slot = this.#slot(second);
    for (const [name, ring] of this.#rings) ring[slot] = values[name] ?? Number.NaN;
  }

  /** The newest value of a series, NaN if it has none. */
  latest(name: string): number {
    return this.last(name, 1)[0] ?? Number.NaN;
  }

  /** The newest `count` values of a series, oldest first (fewer while the history is younger). */
  last(name: string, count: number): number[] {
    const ring = this.#rings.get(name);
    if (!ring || this.#endSecond === undefined) return [];
    const n = Math.min(count, this.#span);
    const out: number[] = [];
    for (let second = this.#endSecond - n + 1; second <= this.#endSecond; second++) {
      out.push(ring[this.#slot(second)] ?? Number.NaN);
    }
    return out;
  }

  /** The newest `seconds` of a series with their times (ms), `null` for gaps: what a chart draws. */
  series(name: string, seconds = this.capacity): { t: number[]; v: (number | null)[] } {
    const values = this.last(name, seconds);
    const end = this.#endSecond ?? 0;
    const first = end - values.length + 1;
    return {
      t: values.map((_, i) => (first + i) * HISTORY_RESOLUTION_MS),
      v: values.map((value) => (Number.isNaN(value) ? null : value)),
    };
  }

  toJSON(): HistoryJson {
    const series: HistoryJson['series'] = {};
    for (const name of this.#rings.keys()) series[name] = this.series(name).v;
    return { version: 1, resolutionMs: HISTORY_RESOLUTION_MS, end: this.end ?? 0, series };
  }

  /**
   * A history from its JSON, keeping the series in `options` (others in the file are dropped, missing
   * ones start empty). Throws a TypeError on anything that is not a history.
   */
  static fromJSON(json: unknown, options: MetricsHistoryOptions): MetricsHistory {
    const history = new MetricsHistory(options);
    if (!isHistoryJson(json)) throw new TypeError('not a metrics history (version 1)');
    const endSecond = json.end / HISTORY_RESOLUTION_MS;
    const longest = Math.max(0, ...Object.values(json.series).map((values) => values.length));
    if (longest === 0) return history;
    history.#advanceTo(endSecond);
    history.#span = Math.min(history.capacity, longest);
    for (const [name, ring] of history.#rings) {
      const values = json.series[name] ?? [];
      const kept = values.slice(-history.capacity);
      kept.forEach((value, i) => {
        ring[history.#slot(endSecond - kept.length + 1 + i)] = value ?? Number.NaN;
      });
    }
    return history;
  }

  /** A copy as of now: what `save` writes while this one goes on recording. */
  copy(): MetricsHistory {
    const copy = new MetricsHistory({ series: [], capacity: this.capacity });
    for (const [name, ring] of this.#rings) copy.#rings.set(name, ring.slice());
    copy.#endSecond = this.#endSecond;
    copy.#span = this.#span;
    return copy;
  }

  /**
   * Writes the history to `path` as `toJSON` gives it: through a temporary file flushed to the disk before
   * it replaces the old one, so a crash or a power cut leaves the old file or the new one, never half of
   * one. The JSON is made one series per event-loop turn (an hour of every series at once took 16-25 ms,
   * a stall a game tick would feel); save a `copy()` if samples may be recorded meanwhile.
   */
  async save(path: string): Promise<void> {
    const parts = [`{"version":1,"resolutionMs":${HISTORY_RESOLUTION_MS},"end":${this.end ?? 0},"series":{`];
    let first = true;
    for (const name of this.#rings.keys()) {
      await nextTurn();
      parts.push(`${first ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(this.series(name).v)}`);
      first = false;
    }
    parts.push('}}');
    await makeDirectories(dirname(path));
    const temporary = `${path}.${process.pid}.tmp`;
    const file = await open(temporary, 'w');
    try {
      try {
        await file.writeFile(parts.join(''));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    } catch (error) {
      // A save that failed (a full disk, a path taken by a directory) leaves no half-written file behind
      // (named by process id, each restart's failures would leave one more beside the history).
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * Reads a saved history; a missing file gives an empty one, and so does a corrupt one (with a warning).
   * Given `now`, so does one that ends after it (the clock went back, or the file came from a machine whose
   * clock ran ahead): kept, it would ignore every sample until that end, leaving the charts and alerts blind.
   */
  static async load(path: string, options: MetricsHistoryOptions, now?: number): Promise<MetricsHistory> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') {
        console.warn(
          `vehikill-net: cannot read the metrics history ${path}: ${String(error)}; starting empty`,
        );
      }
      return new MetricsHistory(options);
    }
    try {
      const history = MetricsHistory.fromJSON(JSON.parse(text), options);
      if (now !== undefined && history.end !== undefined && history.end > now) {
        console.warn(
          `vehikill-net: the metrics history ${path} ends in the future (${new Date(history.end).toISOString()}); starting empty`,
        );
        return new MetricsHistory(options);
      }
      return history;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      console.warn(`vehikill-net: the metrics history ${path} is unreadable (${why}); starting empty`);
      return new MetricsHistory(options);
    }
  }

  #slot(second: number): number {
    return ((second % this.capacity) + this.capacity) % this.capacity;
  }

  /** Moves the newest second forward, blanking the seconds skipped (at most a whole ring's worth). */
  #advanceTo(second: number): void {
    const from = this.#endSecond === undefined ? second : this.#endSecond + 1;
    this.#span = Math.min(this.capacity, this.#span + (second - from + 1));
    for (let s = Math.max(from, second - this.capacity + 1); s <= second; s++) {
      const slot = this.#slot(s);
      for (const ring of this.#rings.values()) ring[slot] = Number.NaN;
    }
    this.#endSecond = second;
  }
}

function isHistoryJson(json: unknown): json is HistoryJson {
  if (typeof json !== 'object' || json === null) return false;
  const candidate = json as Partial<HistoryJson>;
  if (candidate.version !== 1 || candidate.resolutionMs !== HISTORY_RESOLUTION_MS) return false;
  // A safe integer: past 2^53 adding a second to a time no longer changes it, and the rings' walk from
  // one second to the next would never end.
  const end = candidate.end;
  if (typeof end !== 'number' || !Number.isSafeInteger(end) || end % HISTORY_RESOLUTION_MS !== 0)
    return false;
  if (typeof candidate.series !== 'object' || candidate.series === null) return false;
  return Object.values(candidate.series).every(
    (values) =>
      Array.isArray(values) &&
      values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v))),
  );
}
