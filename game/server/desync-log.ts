import { type DesyncRecord, serializeDesync } from 'vehikill-net/netcode';

export interface DesyncLogOptions {
  /** Where lines go (the room's: `console.warn`). */
  log(line: string): void;
  /** At most one short line per address this often (ms, default 60,000). */
  everyMs?: number;
  /** Full records one address may have logged at once (default 3)... */
  fullBurst?: number;
  /** ...then one more this often (ms, default 1,800,000: half an hour). */
  fullEveryMs?: number;
  /** Addresses remembered (default 4,096): the least recently seen is forgotten past that. */
  maxSources?: number;
  /** Players per address remembered as logged in full (default 16): the oldest is forgotten past that. */
  playersPerSource?: number;
}

interface Source {
  /** Full records this address may still have logged (refilled over time, up to the burst). */
  tokens: number;
  refilledAt: number;
  /** Players of this address whose first desync was logged in full, oldest first. */
  readonly logged: string[];
  lastLineAt: number;
  lastSeenAt: number;
  /** Mismatches counted, not logged, since the last line. */
  unlogged: number;
  newestTick: number;
  /** The newest of them, as `add` described its player. */
  who: string;
}

/**
 * What the server logs of players' desyncs. A mismatch record carries two seconds of everyone's inputs
 * (tens of kB of JSON): a player's first one is logged in full, to replay offline; after that one short
 * line per address per minute says how many more there were. Keyed by player id and address, and kept
 * after the player leaves: leaving and rejoining, or opening new sessions, does not make a desync "first"
 * again beyond the address's budget of full records (`fullBurst`, then one per `fullEveryMs`). A client
 * forging hash reports (or a broken one) cannot fill the log or hold up the tick thread serializing
 * records; memory holds at most `maxSources` addresses, each forgotten once idle long enough that its
 * budget would be whole again. Several players behind one address share its budget: past it, their first
 * desyncs are counted, not logged in full.
 */
export class DesyncLog {
  readonly #log: (line: string) => void;
  readonly #everyMs: number;
  readonly #fullBurst: number;
  readonly #fullEveryMs: number;
  readonly #maxSources: number;
  readonly #playersPerSource: number;
  /** By address, the least recently seen first (`add` moves an address to the end). */
  readonly #sources = new Map<string, Source>();

  constructor(options: DesyncLogOptions) {
    this.#log = options.log;
    this.#everyMs = options.everyMs ?? 60_000;
    this.#fullBurst = Math.max(1, options.fullBurst ?? 3);
    this.#fullEveryMs = options.fullEveryMs ?? 1_800_000;
    this.#maxSources = Math.max(1, options.maxSources ?? 4_096);
    this.#playersPerSource = Math.max(1, options.playersPerSource ?? 16);
  }

  /** Addresses remembered. */
  get size(): number {
    return this.#sources.size;
  }

  /**
   * A mismatch of `player`'s (an id stable across their rejoins) from `source` (their address) at `now`
   * (ms); `who` describes them in the log (name and id).
   */
  add(
    player: string,
    source: string,
    who: string,
    record: DesyncRecord<unknown, unknown>,
    now: number,
  ): void {
    this.#prune(now);
    const entry = this.#sourceOf(source, now);
    entry.tokens = Math.min(this.#fullBurst, entry.tokens + (now - entry.refilledAt) / this.#fullEveryMs);
    entry.refilledAt = now;
    if (!entry.logged.includes(player) && entry.tokens >= 1) {
      entry.tokens--;
      entry.logged.push(player);
      if (entry.logged.length > this.#playersPerSource) entry.logged.shift();
      this.#log(
        `vehikill: ${who} decoded a state that differs from the server's at tick ${record.tick} ` +
          `(replay it from this record; later ones are counted, not logged): ${serializeDesync(record)}`,
      );
      return;
    }
    entry.unlogged++;
    entry.newestTick = record.tick;
    entry.who = who;
    if (now - entry.lastLineAt < this.#everyMs) return;
    this.#log(
      `vehikill: ${who}: ${entry.unlogged} more desyncs in ${Math.round((now - entry.lastLineAt) / 1000)} s from its address, the newest at tick ${entry.newestTick}`,
    );
    entry.lastLineAt = now;
    entry.unlogged = 0;
  }

  #sourceOf(source: string, now: number): Source {
    let entry = this.#sources.get(source);
    if (entry) this.#sources.delete(source);
    else {
      entry = {
        tokens: this.#fullBurst,
        refilledAt: now,
        logged: [],
        lastLineAt: now,
        lastSeenAt: now,
        unlogged: 0,
        newestTick: 0,
        who: '',
      };
      if (this.#sources.size >= this.#maxSources) {
        const oldest = this.#sources.keys().next();
        if (!oldest.done) this.#sources.delete(oldest.value);
      }
    }
    entry.lastSeenAt = now;
    this.#sources.set(source, entry);
    return entry;
  }

  /**
   * Forgets addresses idle long enough for their budget to be whole again: remembering them would change
   * nothing but which of their players count as logged already.
   */
  #prune(now: number): void {
    const idleMs = Math.max(this.#everyMs, this.#fullBurst * this.#fullEveryMs);
    for (const [source, entry] of this.#sources) {
      if (now - entry.lastSeenAt < idleMs) return;
      this.#sources.delete(source);
    }
  }
}
