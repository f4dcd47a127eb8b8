import type { Cancel, Clock } from '../common/index.js';

/** A path whose silence can be watched: a direct link with a keepalive (RtcLink, the server's own). */
export interface WatchedPath {
  /** When anything last came from the peer on this path, data or keepalive (the clock's ms). */
  readonly lastHeardAt?: number;
  /** Asks the peer for an answer at once (see LinkHeartbeat.probe). */
  probe?(): void;
}

/** Nothing heard for this long (ms), a path is quiet unless told otherwise: a beat and a half. */
export const DEFAULT_QUIET_AFTER_MS = 1_500;

/**
 * A check this much later than it was due (ms) ran after a stall of this process, not of the peer: what
 * the peer sent meanwhile waits to be read behind the timer (see LateTicks), so it judges nothing then.
 */
const STALLED_CHECK_MS = 250;
/** After a stalled check, or while quiet, the next check comes this soon (ms). */
const RECHECK_MS = 100;
/** While silent, the peer is asked for an answer at most this often (ms). */
const PROBE_GAP_MS = 500;

/**
 * Tells when a direct path has gone quiet: open, but nothing heard on it for `quietAfterMs`. A path that
 * died silently (a NAT mapping lost, UDP cut off, the peer's network changed) is given up by its keepalive
 * only after its dead time (4 s by default); a quiet one gives its traffic to the fallback at once, and has it
 * back as soon as anything is heard on it again. Part way to quiet (three quarters of the time: a beat late),
 * the peer is asked for an answer at once, so a path that lost a beat or two of an idle link is heard again
 * before it goes quiet, and one that is dead is known to be.
 *
 * One timer per watched path, due when the silence would reach its next mark: a path that carries traffic
 * costs a timer run per probe time, not one per message.
 */
export class QuietPathWatch {
  readonly #clock: Clock;
  #quietAfterMs: number;
  #probeAfterMs: number;
  readonly #changed: () => void;
  #path: WatchedPath | undefined;
  /** When the watch of this path began: silence before it (the handshake) is no silence of the path. */
  #watchedFrom = 0;
  #quiet = false;
  /** The `lastHeardAt` when the path went quiet: anything heard after it ends the quiet. */
  #quietHeardAt = 0;
  #probedAt = Number.NEGATIVE_INFINITY;
  #cancel: Cancel | undefined;
  #dueAt = 0;

  /**
   * `quietAfterMs`: Infinity never calls a path quiet. `changed`: the path went quiet, or was heard again
   * (not called from `watch` or `heard`'s callers' own changes of path).
   */
  constructor(clock: Clock, quietAfterMs: number, changed: () => void) {
    this.#clock = clock;
    this.#quietAfterMs = quietAfterMs;
    this.#probeAfterMs = quietAfterMs * 0.75;
    this.#changed = changed;
  }

  /** A new silence to judge by, from the next path watched. */
  set quietAfterMs(ms: number) {
    this.#quietAfterMs = ms;
    this.#probeAfterMs = ms * 0.75;
  }

  /** True while the watched path is quiet: its traffic should take the fallback. */
  get quiet(): boolean {
    return this.#quiet;
  }

  /**
   * Watches `path` (undefined: none), from now. The same path again changes nothing; another starts afresh,
   * not quiet. A path that cannot tell when it last heard anything is not watched.
   */
  watch(path: WatchedPath | undefined): void {
    if (path === this.#path) return;
    this.stop();
    if (path?.lastHeardAt === undefined || this.#quietAfterMs === Number.POSITIVE_INFINITY) return;
    this.#path = path;
    this.#watchedFrom = this.#clock.now();
    this.#schedule(this.#watchedFrom + this.#probeAfterMs);
  }

  /** Something came on the watched path: a quiet one is heard again at once, without waiting for a check. */
  heard(): void {
    if (this.#quiet) this.#check();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#path = undefined;
    this.#quiet = false;
    this.#probedAt = Number.NEGATIVE_INFINITY;
  }

  #schedule(at: number): void {
    this.#cancel?.();
    this.#dueAt = at;
    this.#cancel = this.#clock.setTimeout(() => this.#check(), Math.max(0, at - this.#clock.now()));
  }

  #check(): void {
    const path = this.#path;
    if (path === undefined) return;
    const now = this.#clock.now();
    if (now - this.#dueAt > STALLED_CHECK_MS) {
      this.#schedule(now + RECHECK_MS);
      return;
    }
    const heardAt = Math.max(path.lastHeardAt ?? this.#watchedFrom, this.#watchedFrom);
    if (this.#quiet) {
      if (heardAt > this.#quietHeardAt) {
        this.#quiet = false;
        this.#probedAt = Number.NEGATIVE_INFINITY;
        this.#schedule(heardAt + this.#probeAfterMs);
        this.#changed();
        return;
      }
      this.#probe(now);
      this.#schedule(now + RECHECK_MS);
      return;
    }
    const silence = now - heardAt;
    if (silence >= this.#quietAfterMs) {
      this.#quiet = true;
      this.#quietHeardAt = heardAt;
      this.#probe(now);
      this.#schedule(now + RECHECK_MS);
      this.#changed();
      return;
    }
    if (silence >= this.#probeAfterMs) {
      this.#probe(now);
      this.#schedule(heardAt + this.#quietAfterMs);
      return;
    }
    this.#schedule(heardAt + this.#probeAfterMs);
  }

  #probe(now: number): void {
    if (now - this.#probedAt < PROBE_GAP_MS) return;
    this.#probedAt = now;
    this.#path?.probe?.();
  }
}
