import { type DesyncRecord, serializeDesync } from 'vehikill-net/netcode';

export interface DesyncLogOptions {
  /** Where lines go (the room's: `console.warn`). */
  log(line: string): void;
  /** At most one short line per player this often (ms, default 60,000). */
  everyMs?: number;
}

interface Logged {
  lastLineAt: number;
  /** Mismatches since the last line. */
  unlogged: number;
  newestTick: number;
}

/**
 * What the server logs of players' desyncs. A mismatch record carries two seconds of everyone's inputs
 * (tens of kB of JSON): the first one of each player is logged in full, to replay offline; after that one
 * short line per player per minute says how many more there were. A client forging hash reports (or a
 * broken one) cannot fill the log or hold up the tick thread serializing records.
 */
export class DesyncLog<P> {
  readonly #log: (line: string) => void;
  readonly #everyMs: number;
  readonly #players = new Map<P, Logged>();

  constructor(options: DesyncLogOptions) {
    this.#log = options.log;
    this.#everyMs = options.everyMs ?? 60_000;
  }

  /** A mismatch of `who`'s (a short description: name and id) at `now` (ms). */
  add(player: P, who: string, record: DesyncRecord<unknown, unknown>, now: number): void {
    const logged = this.#players.get(player);
    if (logged === undefined) {
      this.#players.set(player, { lastLineAt: now, unlogged: 0, newestTick: record.tick });
      this.#log(
        `vehikill: ${who} decoded a state that differs from the server's at tick ${record.tick} ` +
          `(replay it from this record; later ones are counted, not logged): ${serializeDesync(record)}`,
      );
      return;
    }
    logged.unlogged++;
    logged.newestTick = record.tick;
    if (now - logged.lastLineAt < this.#everyMs) return;
    this.#log(
      `vehikill: ${who}: ${logged.unlogged} more desyncs in ${Math.round((now - logged.lastLineAt) / 1000)} s, the newest at tick ${logged.newestTick}`,
    );
    logged.lastLineAt = now;
    logged.unlogged = 0;
  }

  forget(player: P): void {
    this.#players.delete(player);
  }
}
