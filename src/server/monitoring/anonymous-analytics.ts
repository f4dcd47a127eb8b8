import { createHmac, randomBytes } from 'node:crypto';
import type { QualityGrade } from '../../transport/core.js';
import { RotatingSalt } from './rotating-salt.js';
import type { PlayerStats } from './server-stats.js';

export type { QualityGrade };

export interface AnalyticsOptions {
  /** How often the hashing salt changes (ms). Default a day. */
  saltPeriodMs?: number;
  /** Ended sessions listed individually (by hashed id), newest first. Default 200. */
  recentSessions?: number;
}

/** One ended session, as the report shows it: a hashed id and numbers, nothing else. */
export interface SessionRecord {
  /** HMAC of the player id under the salt of the day the session ended. */
  player: string;
  endedAt: number;
  lengthMs: number;
  reconnects: number;
  /** Server-link path at the end: 'direct' or 'relayed' (or 'connecting' if it never settled). */
  link: string;
  /** The grade most often seen. */
  quality: QualityGrade | 'unknown';
}

export interface AnalyticsReport {
  generatedAt: number;
  sessions: { active: number; ended: number; optedOut: number };
  /** Ended sessions by length: count with length <= `le` seconds (the last bucket has no bound). */
  sessionLength: { le: number | null; count: number }[];
  /** Ended sessions by server-link path. */
  linkTypes: Record<string, number>;
  /** Per-second quality samples of all sessions, by grade. */
  quality: Record<QualityGrade, number>;
  /** Ended sessions by their number of reconnects ('3+' for three or more). */
  reconnects: Record<'0' | '1' | '2' | '3+', number>;
  recent: SessionRecord[];
}

const LENGTH_BUCKETS_S = [30, 60, 300, 900, 1_800, 3_600, 7_200];

/** RTT (ms) grades when the link's quality monitor has measured nothing yet: its own RTT thresholds. */
export function gradeForRtt(rttMs: number): QualityGrade {
  if (rttMs < 100) return 'good';
  if (rttMs < 250) return 'fair';
  return 'poor';
}

/** A player's grade: the server link's quality monitor's, or from the heartbeat RTT before it has one. */
export function gradeOf(player: PlayerStats): QualityGrade | undefined {
  if (Number.isFinite(player.quality.rttMs)) return player.quality.grade;
  return player.rttMs > 0 ? gradeForRtt(player.rttMs) : undefined;
}

interface Tracked {
  startedAt: number;
  connection: number;
  reconnects: number;
  link: string;
  grades: Record<QualityGrade, number>;
  reported: QualityGrade | undefined;
}

/**
 * Anonymous play statistics: session lengths, link paths, connection quality, reconnects. It never
 * sees an address or a user agent (the server hands it none), keeps no raw player id in its output
 * (ids are hashed with a salt that rotates daily), and forgets a player who opts out.
 */
export class AnonymousAnalytics {
  readonly #salt: RotatingSalt;
  /** Live sessions are keyed by an HMAC under a per-process key, so even memory holds no raw id. */
  readonly #key = randomBytes(32);
  readonly #tracked = new Map<string, Tracked>();
  readonly #optedOut = new Set<string>();
  readonly #recent: SessionRecord[] = [];
  readonly #maxRecent: number;
  readonly #lengths = new Array<number>(LENGTH_BUCKETS_S.length + 1).fill(0);
  readonly #links: Record<string, number> = {};
  readonly #quality: Record<QualityGrade, number> = { good: 0, fair: 0, poor: 0 };
  readonly #reconnects: AnalyticsReport['reconnects'] = { '0': 0, '1': 0, '2': 0, '3+': 0 };
  #ended = 0;

  constructor(options: AnalyticsOptions = {}) {
    this.#salt = new RotatingSalt(options.saltPeriodMs);
    const recent = options.recentSessions ?? 200;
    // Checked now: a bad count would otherwise throw out of the once-a-second sample at the first session
    // that ends (an array length cannot be negative or fractional) and end the process; Infinity would
    // keep every session ever played.
    if (!Number.isSafeInteger(recent) || recent < 0) {
      throw new TypeError(`analytics recentSessions must be a whole number, 0 or more, got ${recent}`);
    }
    this.#maxRecent = recent;
  }

  /** The player asked not to be counted: their session is dropped now and ignored from here on. */
  optOut(playerId: string): void {
    const key = this.#keyOf(playerId);
    this.#optedOut.add(key);
    const tracked = this.#tracked.get(key);
    if (!tracked) return;
    this.#tracked.delete(key);
    // Their samples already counted go too: the aggregates must read as if they had never played.
    for (const [grade, count] of Object.entries(tracked.grades) as [QualityGrade, number][]) {
      this.#quality[grade] -= count;
    }
  }

  /** A grade from the quality monitor; it wins over the RTT-based one for this second's sample. */
  recordQuality(playerId: string, grade: QualityGrade): void {
    const tracked = this.#tracked.get(this.#keyOf(playerId));
    if (tracked) tracked.reported = grade;
  }

  /** Called once a second with the live sessions: sees sessions start, reconnect and end. */
  observe(players: readonly PlayerStats[], now: number): void {
    const present = new Set<string>();
    const seen = new Set<string>();
    for (const player of players) {
      const key = this.#keyOf(player.playerId);
      present.add(key);
      if (this.#optedOut.has(key)) continue;
      seen.add(key);
      let tracked = this.#tracked.get(key);
      if (!tracked) {
        tracked = {
          startedAt: now,
          connection: player.connection,
          reconnects: 0,
          link: player.serverLink,
          grades: { good: 0, fair: 0, poor: 0 },
          reported: undefined,
        };
        this.#tracked.set(key, tracked);
      }
      if (player.connection > tracked.connection)
        tracked.reconnects += player.connection - tracked.connection;
      tracked.connection = player.connection;
      if (player.away) continue;
      tracked.link = player.serverLink;
      const grade = tracked.reported ?? gradeOf(player);
      tracked.reported = undefined;
      if (grade) {
        tracked.grades[grade]++;
        this.#quality[grade]++;
      }
    }
    for (const [key, tracked] of this.#tracked) {
      if (!seen.has(key)) this.#end(key, tracked, now);
    }
    // Opted-out sessions that ended need not be remembered any longer.
    for (const key of this.#optedOut) if (!present.has(key)) this.#optedOut.delete(key);
  }

  report(now: number): AnalyticsReport {
    return {
      generatedAt: now,
      sessions: { active: this.#tracked.size, ended: this.#ended, optedOut: this.#optedOut.size },
      sessionLength: this.#lengths.map((count, i) => ({ le: LENGTH_BUCKETS_S[i] ?? null, count })),
      linkTypes: { ...this.#links },
      quality: { ...this.#quality },
      reconnects: { ...this.#reconnects },
      recent: this.#recent.map((record) => ({ ...record })),
    };
  }

  #end(key: string, tracked: Tracked, now: number): void {
    this.#tracked.delete(key);
    const lengthMs = now - tracked.startedAt;
    const bucket = LENGTH_BUCKETS_S.findIndex((le) => lengthMs <= le * 1_000);
    const slot = bucket === -1 ? LENGTH_BUCKETS_S.length : bucket;
    this.#lengths[slot] = (this.#lengths[slot] ?? 0) + 1;
    this.#links[tracked.link] = (this.#links[tracked.link] ?? 0) + 1;
    const reconnectBucket = tracked.reconnects >= 3 ? '3+' : (String(tracked.reconnects) as '0' | '1' | '2');
    this.#reconnects[reconnectBucket]++;
    this.#ended++;
    const grades = Object.entries(tracked.grades) as [QualityGrade, number][];
    const [top, topCount] = grades.reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    this.#recent.unshift({
      player: this.#salt.hash(key, now),
      endedAt: now,
      lengthMs,
      reconnects: tracked.reconnects,
      link: tracked.link,
      quality: topCount > 0 ? top : 'unknown',
    });
    this.#recent.length = Math.min(this.#recent.length, this.#maxRecent);
  }

  #keyOf(playerId: string): string {
    return createHmac('sha256', this.#key).update(playerId).digest('base64url');
  }
}
