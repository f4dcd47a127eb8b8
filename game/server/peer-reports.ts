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

export interface PeerReportOptions<P = unknown> {
  /**
   * A sample farther than this (world units, default 20) from the server's own vehicle at its tick is
   * forged. Honest predictions stay within about a unit, but a client starved of CPU mispredicts by
   * several (8+ was seen with 16 bots on two cores); 20 is a teleport, not a bad frame.
   */
  readonly forgedBeyond?: number;
  /**
   * Distinct witnesses whose reports must agree before a violation counts (default 2). Never fewer than
   * 2: the server never sees peer samples, so one player's word is all a lone report is.
   */
  readonly reportersNeeded?: number;
  /**
   * Who stands behind a player (the room: their connection's address block). Witnesses are counted by
   * it, not by player: one person's sessions and tabs are all one witness, however many they open, and a
   * report from behind the accused's own address corroborates nothing. Default: every player is their
   * own (for tests of the logic alone; a server that lets sessions be made freely must not rely on it).
   */
  readonly sourceOf?: (player: P) => unknown;
  readonly windowMs?: number;
  /** Samples of a vehicle this many ticks after it (re)spawned are not judged (a peer's view catching up). */
  readonly spawnGraceTicks?: number;
  /**
   * Two reports agree when their ticks are at most this far apart (default 30, half a second: reporters
   * each report at most every 250 ms, so two of them watching one forger name samples that close)...
   */
  readonly agreeTicks?: number;
  /**
   * ...and either their samples or their samples' offsets from the server's vehicle are within this many
   * units (default 4): a forger sends every peer the same lie, whether it is a fixed spot or a fixed offset.
   */
  readonly agreeUnits?: number;
}

export interface PeerReportStats {
  received: number;
  /** The server's history had the vehicle far from the sample: forged, if the sample was real. */
  confirmed: number;
  /** The server's history agreed with the sample: the report was wrong (or the reporter lied). */
  refuted: number;
  /** Could not be judged: outside the history, the vehicle absent, or just respawned. */
  unjudged: number;
  /**
   * Confirmed, but no credible reporter from another address said the same (or the reporter shares the
   * accused's address): not held against anyone.
   */
  uncorroborated: number;
  /** Dropped unjudged because the reporter already had its share of reports waiting. */
  dropped: number;
}

/** A confirmed report, kept for the window to be matched with other reporters' reports. */
interface Confirmed<P> {
  readonly reporter: P;
  /** The reporter's `sourceOf` when it reported. */
  readonly source: unknown;
  readonly tick: number;
  readonly x: number;
  readonly y: number;
  /** The sample's offset from the server's vehicle at its tick. */
  readonly dx: number;
  readonly dy: number;
  readonly at: number;
  /** An independent witness's report agreed with this one: it counted to the reporter's credit. */
  credited: boolean;
}

/**
 * What a reporter's recent reports came to: a reporter refuted more often than independently
 * corroborated is no witness. A confirmed report no one from another address agreed with earns nothing:
 * anyone can name a spot far from a car and be "confirmed".
 */
interface ReporterRecord {
  readonly corroborated: number[];
  readonly refuted: number[];
}

/** Reports waiting per reporter: enough for a second of honest reports about 15 peers, no more. */
const PENDING_PER_REPORTER = 64;

/**
 * Confirmed reports about one player kept from one source (address) for the window: an honest client
 * reports a peer at most every 250 ms (40 in 10 s). Each new report is compared with every one kept:
 * unbounded, one person's sessions naming made-up spots at their connections' rate kept 18,000 and
 * stalled the node for half a second a judge. The oldest goes first.
 */
const CONFIRMED_PER_SOURCE = 64;

/**
 * Peers' reports of forged phys samples, judged against the server's own history once the server has
 * simulated the sample's tick. The server never sees a sample itself (peers send them to each other), so
 * a report's position is the reporter's word: one report proves nothing. A violation counts only when at
 * least `reportersNeeded` (≥ 2) credible witnesses' confirmed reports about the same player agree (close
 * in time, the same lie). Witnesses are counted by `sourceOf` (the room: address), never by session:
 * sessions are free, so one person with two tabs is one witness; reporters behind the accused's address
 * are none. A reporter whose reports the server refuted more often than another address's reports agreed
 * with them within the window is not credible. With fewer than two other players on addresses of their
 * own in the room, peer reports never lead to a kick (a forged sample is still clamped on every screen).
 * What remains: two people on two addresses who agree on a lie can get anyone kicked.
 */
export class PeerReports<P> {
  readonly #pending: PeerReportOf<P>[] = [];
  readonly #pendingBy = new Map<P, number>();
  readonly #confirmed = new Map<P, Confirmed<P>[]>();
  readonly #records = new Map<P, ReporterRecord>();
  readonly #forgedBeyond: number;
  readonly #reportersNeeded: number;
  readonly #windowMs: number;
  readonly #graceTicks: number;
  readonly #agreeTicks: number;
  readonly #agreeUnits: number;
  readonly #sourceOf: (player: P) => unknown;
  readonly stats: PeerReportStats = {
    received: 0,
    confirmed: 0,
    refuted: 0,
    unjudged: 0,
    uncorroborated: 0,
    dropped: 0,
  };

  constructor(options: PeerReportOptions<P> = {}) {
    this.#forgedBeyond = options.forgedBeyond ?? 20;
    this.#reportersNeeded = Math.max(2, options.reportersNeeded ?? 2);
    this.#windowMs = options.windowMs ?? 10_000;
    this.#graceTicks = options.spawnGraceTicks ?? 60;
    this.#agreeTicks = options.agreeTicks ?? 30;
    this.#agreeUnits = options.agreeUnits ?? 4;
    this.#sourceOf = options.sourceOf ?? ((player) => player);
  }

  add(report: PeerReportOf<P>): void {
    this.stats.received++;
    // Bounded per reporter: a flood from one player cannot push out the others' reports.
    const waiting = this.#pendingBy.get(report.reporter) ?? 0;
    if (waiting >= PENDING_PER_REPORTER) {
      this.stats.dropped++;
      return;
    }
    this.#pendingBy.set(report.reporter, waiting + 1);
    this.#pending.push(report);
  }

  /**
   * Judges the reports whose tick the server has simulated (`newestTick` and before) and returns the
   * players with a violation: one per confirmed report that enough credible reporters agree on.
   */
  judge(
    newestTick: number,
    now: number,
    vehicleAt: (tick: number, vehicleId: number) => Vehicle | undefined,
    spawnedAt: (vehicleId: number) => number,
  ): P[] {
    const violators: P[] = [];
    let index = 0;
    while (index < this.#pending.length) {
      const report = this.#pending[index] as PeerReportOf<P>;
      // Reports of ticks the server will not reach for 10 s cannot be judged in time: dropped.
      const unreachable = report.tick > newestTick + 600;
      if (report.tick > newestTick && !unreachable) {
        index++;
        continue;
      }
      this.#take(index);
      const server = unreachable ? undefined : vehicleAt(report.tick, report.vehicleId);
      if (server === undefined || report.tick < spawnedAt(report.vehicleId) + this.#graceTicks) {
        this.stats.unjudged++;
        continue;
      }
      const dx = report.x - server.x;
      const dy = report.y - server.y;
      const record = this.#recordOf(report.reporter, now);
      if (Math.sqrt(dx * dx + dy * dy) <= this.#forgedBeyond) {
        this.stats.refuted++;
        record.refuted.push(now);
        continue;
      }
      this.stats.confirmed++;
      const confirmed: Confirmed<P> = {
        reporter: report.reporter,
        source: this.#sourceOf(report.reporter),
        tick: report.tick,
        x: report.x,
        y: report.y,
        dx,
        dy,
        at: now,
        credited: false,
      };
      if (this.#witnesses(report.accused, confirmed, now) >= this.#reportersNeeded)
        violators.push(report.accused);
      else this.stats.uncorroborated++;
    }
    return violators;
  }

  /**
   * Confirmed reports held now for the window, about every player: each new report is compared with those
   * about the same player, so this is what a judge may cost (and what the window holds in memory).
   */
  get held(): number {
    let held = 0;
    for (const reports of this.#confirmed.values()) held += reports.length;
    return held;
  }

  forget(player: P): void {
    this.#confirmed.delete(player);
    this.#records.delete(player);
    for (let index = this.#pending.length - 1; index >= 0; index--) {
      const report = this.#pending[index] as PeerReportOf<P>;
      if (report.accused === player || report.reporter === player) this.#take(index);
    }
    for (const [accused, reports] of this.#confirmed) {
      const kept = reports.filter((report) => report.reporter !== player);
      if (kept.length > 0) this.#confirmed.set(accused, kept);
      else this.#confirmed.delete(accused);
    }
  }

  /**
   * Stores a confirmed report about `accused`, credits it and the reports from other addresses it agrees
   * with, and counts the distinct sources of credible reporters (its own included) whose confirmed
   * reports in the window agree with it. Reports from the accused's own source count for nothing.
   */
  #witnesses(accused: P, report: Confirmed<P>, now: number): number {
    const accusedSource = this.#sourceOf(accused);
    // Kept only while the accused's source is not theirs: a resume from another network may change it.
    const kept = (this.#confirmed.get(accused) ?? []).filter(
      (old) => old.at > now - this.#windowMs && old.source !== accusedSource,
    );
    if (report.source === accusedSource) {
      this.#confirmed.set(accused, kept);
      return 0;
    }
    let fromSource = 0;
    for (const old of kept) if (old.source === report.source) fromSource++;
    if (fromSource >= CONFIRMED_PER_SOURCE) {
      kept.splice(
        kept.findIndex((old) => old.source === report.source),
        1,
      );
    }
    kept.push(report);
    this.#confirmed.set(accused, kept);
    const independent = kept.filter((other) => other.source !== report.source && this.#agree(report, other));
    // Corroborated by another address: both reports earn their reporters credit (each report once).
    if (independent.length > 0) {
      for (const other of [report, ...independent]) {
        if (other.credited) continue;
        other.credited = true;
        this.#recordOf(other.reporter, now).corroborated.push(now);
      }
    }
    if (!this.#credible(report.reporter, now)) return 0;
    const sources = new Set<unknown>([report.source]);
    for (const other of independent) {
      if (!sources.has(other.source) && this.#credible(other.reporter, now)) sources.add(other.source);
    }
    return sources.size;
  }

  #agree(a: Confirmed<P>, b: Confirmed<P>): boolean {
    if (Math.abs(a.tick - b.tick) > this.#agreeTicks) return false;
    const limit = this.#agreeUnits * this.#agreeUnits;
    const samples = (a.x - b.x) ** 2 + (a.y - b.y) ** 2;
    const offsets = (a.dx - b.dx) ** 2 + (a.dy - b.dy) ** 2;
    return samples <= limit || offsets <= limit;
  }

  /** Refuted reports count against the reporter: more refuted than corroborated in the window, no witness. */
  #credible(reporter: P, now: number): boolean {
    const record = this.#recordOf(reporter, now);
    return record.refuted.length <= record.corroborated.length;
  }

  /** The reporter's record, its entries older than the window dropped. */
  #recordOf(reporter: P, now: number): ReporterRecord {
    let record = this.#records.get(reporter);
    if (!record) {
      record = { corroborated: [], refuted: [] };
      this.#records.set(reporter, record);
    }
    const since = now - this.#windowMs;
    while (record.corroborated.length > 0 && (record.corroborated[0] as number) <= since)
      record.corroborated.shift();
    while (record.refuted.length > 0 && (record.refuted[0] as number) <= since) record.refuted.shift();
    return record;
  }

  #take(index: number): void {
    const [report] = this.#pending.splice(index, 1);
    if (!report) return;
    const waiting = (this.#pendingBy.get(report.reporter) ?? 1) - 1;
    if (waiting > 0) this.#pendingBy.set(report.reporter, waiting);
    else this.#pendingBy.delete(report.reporter);
  }
}
