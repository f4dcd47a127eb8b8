import type { Vehicle } from '../sim/index.js';

/** A player's report that a peer's phys sample disagreed with the server's state as it decoded it. */
export interface PeerReportOf<P> {
  readonly reporter: P;
  readonly accused: P;
  readonly vehicleId: number;
  readonly tick: number;
  readonly x: number;
  readonly y: number;
}

export interface PeerReportOptions {
  /**
   * A sample farther than this (world units, default 20) from the server's own vehicle at its tick is
   * forged. Honest predictions stay within about a unit, but a client starved of CPU mispredicts by
   * several (8+ was seen with 16 bots on two cores); 20 is a teleport, not a bad frame.
   */
  readonly forgedBeyond?: number;
  /** Distinct reporters a violation needs within the window (fewer when fewer players could report). */
  readonly reportersNeeded?: number;
  readonly windowMs?: number;
  /** Samples of a vehicle this many ticks after it (re)spawned are not judged (a peer's view catching up). */
  readonly spawnGraceTicks?: number;
}

export interface PeerReportStats {
  received: number;
  /** The server's history had the vehicle far from the sample: forged. */
  confirmed: number;
  /** The server's history agreed with the sample: the report was wrong (or the reporter lied). */
  refuted: number;
  /** Could not be judged: outside the history, the vehicle absent, or just respawned. */
  unjudged: number;
}

/**
 * Peers' reports of forged phys samples, judged against the server's own history once the server has
 * simulated the sample's tick. A report only names a sample; the server decides. One liar cannot get a
 * player kicked: a violation counts once `reportersNeeded` distinct players confirmed reports against
 * the same player within the window (or every other human, when fewer play).
 */
export class PeerReports<P> {
  readonly #pending: PeerReportOf<P>[] = [];
  readonly #confirmations = new Map<P, Map<P, number>>();
  readonly #forgedBeyond: number;
  readonly #reportersNeeded: number;
  readonly #windowMs: number;
  readonly #graceTicks: number;
  readonly stats: PeerReportStats = { received: 0, confirmed: 0, refuted: 0, unjudged: 0 };

  constructor(options: PeerReportOptions = {}) {
    this.#forgedBeyond = options.forgedBeyond ?? 20;
    this.#reportersNeeded = options.reportersNeeded ?? 2;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#graceTicks = options.spawnGraceTicks ?? 60;
  }

  add(report: PeerReportOf<P>): void {
    this.stats.received++;
    // Bounded: a flood of reports costs memory for at most about a second of them.
    if (this.#pending.length >= 1024) this.#pending.shift();
    this.#pending.push(report);
  }

  /**
   * Judges the reports whose tick the server has simulated (`newestTick` and before) and returns the
   * players with a violation confirmed by enough reporters.
   */
  judge(
    newestTick: number,
    now: number,
    vehicleAt: (tick: number, vehicleId: number) => Vehicle | undefined,
    spawnedAt: (vehicleId: number) => number,
    otherHumans: (accused: P) => number,
  ): P[] {
    const violators: P[] = [];
    let index = 0;
    while (index < this.#pending.length) {
      const report = this.#pending[index] as PeerReportOf<P>;
      if (report.tick > newestTick) {
        index++;
        continue;
      }
      this.#pending.splice(index, 1);
      const server = vehicleAt(report.tick, report.vehicleId);
      if (server === undefined || report.tick < spawnedAt(report.vehicleId) + this.#graceTicks) {
        this.stats.unjudged++;
        continue;
      }
      const distance = Math.hypot(server.x - report.x, server.y - report.y);
      if (distance <= this.#forgedBeyond) {
        this.stats.refuted++;
        continue;
      }
      this.stats.confirmed++;
      let reporters = this.#confirmations.get(report.accused);
      if (!reporters) {
        reporters = new Map();
        this.#confirmations.set(report.accused, reporters);
      }
      reporters.set(report.reporter, now);
      for (const [reporter, at] of reporters) if (at <= now - this.#windowMs) reporters.delete(reporter);
      const needed = Math.max(1, Math.min(this.#reportersNeeded, otherHumans(report.accused)));
      if (reporters.size >= needed) violators.push(report.accused);
    }
    // Reports of ticks the server will not reach for 10 s cannot be judged in time: dropped.
    for (let at = this.#pending.length - 1; at >= 0; at--) {
      if ((this.#pending[at] as PeerReportOf<P>).tick <= newestTick + 600) continue;
      this.#pending.splice(at, 1);
      this.stats.unjudged++;
    }
    return violators;
  }

  forget(player: P): void {
    this.#confirmations.delete(player);
    for (let index = this.#pending.length - 1; index >= 0; index--) {
      const report = this.#pending[index] as PeerReportOf<P>;
      if (report.accused === player || report.reporter === player) this.#pending.splice(index, 1);
    }
    for (const reporters of this.#confirmations.values()) reporters.delete(player);
  }
}
