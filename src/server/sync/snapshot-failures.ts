import type { MetricsSink } from '../metrics.js';

/** Time between two console lines about snapshots that could not be written (ms of the room's clock). */
const REPORT_EVERY_MS = 10_000;

/**
 * Snapshots RoomSync could not write for a member because an app callback (`priority`, `tier`, `visible`)
 * threw or returned what it must not: every one counted, the first said at once with its error, the rest
 * at most once per 10 s with their count, so that a callback failing every tick does not flood the log.
 */
export class SnapshotFailures {
  #total = 0;
  /** Failures since the last line said (not counting the one that line was about). */
  #unsaid = 0;
  #saidAt = Number.NEGATIVE_INFINITY;
  readonly #metrics: MetricsSink | undefined;

  constructor(metrics: MetricsSink | undefined) {
    this.#metrics = metrics;
  }

  get total(): number {
    return this.#total;
  }

  report(member: unknown, error: unknown, now: number): void {
    this.#total++;
    this.#metrics?.count('sync_snapshot_errors_total');
    const who = memberName(member);
    if (this.#saidAt === Number.NEGATIVE_INFINITY) {
      console.error(
        `vehikill-net: RoomSync could not write a snapshot for ${who} (the others get theirs):`,
        error,
      );
      this.#saidAt = now;
      return;
    }
    this.#unsaid++;
    if (now - this.#saidAt < REPORT_EVERY_MS) return;
    console.error(
      `vehikill-net: RoomSync could not write ${this.#unsaid} more snapshots since (${who}, the latest):`,
      error,
    );
    this.#unsaid = 0;
    this.#saidAt = now;
  }
}

/** `member a` for a room client (its player id), `a member` for any other kind of member. */
function memberName(member: unknown): string {
  const playerId = (member as { readonly playerId?: unknown }).playerId;
  return typeof playerId === 'string' ? `member ${playerId}` : 'a member';
}
