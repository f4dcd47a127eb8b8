import type { Cancel, Clock } from '../common/index.js';

/** A path whose silence can be watched: a direct link with a keepalive (RtcLink, the server's own). */
export interface WatchedPath {
  /** When anything last came from the peer on this path, data or keepalive (the clock's ms). */
  readonly lastHeardAt?: number;
  /** Asks the peer for an answer at once (see LinkHeartbeat.probe). */
  probe?(): void;
  /** When the peer last said it heard nothing from us on this path (see LinkHeartbeat.peerUnheardAt). */
  readonly peerUnheardAt?: number;
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
 * A peer whose path is quiet at its end probes every PROBE_GAP_MS: one that has not for this long (ms, two
 * probes' time) hears us again.
 */
const PEER_UNHEARD_WITHIN_MS = 2 * PROBE_GAP_MS;

/**
 * Why a path is quiet: nothing heard on it (`silence`), or the peer hears nothing of ours on it (`peer`:
 * it sends by the fallback and probes us, so what we send on the path is lost).
 */
type QuietReason = 'silence' | 'peer';

/**
 * Tells when a direct path has gone quiet: open, but not to be sent on. A path that died silently (a NAT
 * mapping lost, UDP cut off, the peer's network changed) is given up by its keepalive only after its dead
 * time (4 s by default); a quiet one gives its traffic to the fallback at once, and has it back as soon as
 * it carries again. Quiet:
 * - when nothing is heard on it for `quietAfterMs`, until anything is. Part way there (three quarters of
 *   the time: a beat late) the peer is asked for an answer at once, so a path that lost a beat or two of an
 *   idle link is heard again before it goes quiet, and one that is dead is known to be;
 * - when the peer's data comes by the fallback though the path has been in use for `quietAfterMs` (past
 *   the moments when both ends change paths, a round trip apart), and the peer's keepalive says it hears
 *   nothing from us (it probes: its path is quiet at its end): what we send on it would be lost (a path
 *   dead one way). Until the peer's data comes on the path again, it stops probing, or no data has come by
 *   the fallback for `quietAfterMs`. Only a peer that probes is followed: two ends that each followed the
 *   other's traffic by the fallback would hold each other there for good.
 *
 * One timer per watched path, due when the silence would reach its next mark: a path that carries traffic
 * costs a timer run per probe time, not one per message.
 */
export class QuietPathWatch {
  readonly #clock: Clock;
  #quietAfterMs = 0;
  #probeAfterMs = 0;
  readonly #changed: () => void;
  #path: WatchedPath | undefined;
  /** When the watch of this path began: silence before it (the handshake) is no silence of the path. */
  #watchedFrom = 0;
  /** When the path was last taken into use: watched, or no longer quiet. */
  #inUseFrom = 0;
  #reason: QuietReason | undefined;
  /** The `lastHeardAt` when the path went quiet for silence: anything heard after it ends the quiet. */
  #quietHeardAt = 0;
  /** When the peer's data last came by the fallback, while quiet for that. */
  #peerOnFallbackAt = 0;
  #probedAt = Number.NEGATIVE_INFINITY;
  /** The silence reached the quiet time at the last check: the next, a turn later, decides. */
  #confirming = false;
  #cancel: Cancel | undefined;
  #dueAt = 0;

  /**
   * `quietAfterMs`: Infinity never calls a path quiet. `changed`: the path went quiet, or carries again
   * (not called for a change of path through `watch`).
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
    return this.#reason !== undefined;
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
    this.#inUseFrom = this.#watchedFrom;
    this.#schedule(this.#watchedFrom + this.#probeAfterMs);
  }

  /** The peer's data came on the watched path: a quiet one carries again at once. */
  heard(): void {
    if (this.#reason === 'peer') this.#carries(this.#clock.now());
    else if (this.#reason === 'silence') this.#check();
  }

  /** The peer's data came by the fallback. */
  fallbackHeard(): void {
    if (this.#path === undefined || this.#reason === 'silence') return;
    const now = this.#clock.now();
    if (this.#reason === 'peer') {
      this.#peerOnFallbackAt = now;
      return;
    }
    if (now - this.#inUseFrom < this.#quietAfterMs || !this.#peerUnhearing(now)) return;
    this.#reason = 'peer';
    this.#peerOnFallbackAt = now;
    this.#schedule(now + RECHECK_MS);
    this.#changed();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#path = undefined;
    this.#reason = undefined;
    this.#confirming = false;
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
    const silence = now - heardAt;
    if (this.#reason === 'silence') {
      if (heardAt > this.#quietHeardAt) {
        this.#carries(now);
        return;
      }
      this.#probe(now);
      this.#schedule(now + RECHECK_MS);
      return;
    }
    if (silence >= this.#quietAfterMs && !this.#confirming) {
      // Not yet: a process that stood still runs its due timers before it reads what came meanwhile
      // (Node's timers run ahead of its I/O in each turn of the loop), so every link of a starved process
      // found its peer silent at once. A timer of no delay runs after that turn's I/O has been read.
      this.#confirming = true;
      this.#schedule(now);
      return;
    }
    this.#confirming = false;
    if (silence >= this.#quietAfterMs) {
      const wasQuiet = this.#reason !== undefined;
      this.#reason = 'silence';
      this.#quietHeardAt = heardAt;
      this.#probe(now);
      this.#schedule(now + RECHECK_MS);
      if (!wasQuiet) this.#changed();
      return;
    }
    if (this.#reason === 'peer') {
      if (now - this.#peerOnFallbackAt >= this.#quietAfterMs || !this.#peerUnhearing(now)) this.#carries(now);
      else this.#schedule(now + RECHECK_MS);
      return;
    }
    if (silence >= this.#probeAfterMs) {
      this.#probe(now);
      this.#schedule(heardAt + this.#quietAfterMs);
      return;
    }
    this.#schedule(heardAt + this.#probeAfterMs);
  }

  /** The path is in use again. */
  #carries(now: number): void {
    this.#reason = undefined;
    this.#inUseFrom = now;
    this.#probedAt = Number.NEGATIVE_INFINITY;
    const heardAt = Math.max(this.#path?.lastHeardAt ?? now, this.#watchedFrom);
    this.#schedule(Math.max(now, heardAt + this.#probeAfterMs));
    this.#changed();
  }

  /** The peer said lately that it hears nothing from us on the path (it probes). */
  #peerUnhearing(now: number): boolean {
    const at = this.#path?.peerUnheardAt;
    return at !== undefined && now - at <= PEER_UNHEARD_WITHIN_MS;
  }

  #probe(now: number): void {
    if (now - this.#probedAt < PROBE_GAP_MS) return;
    this.#probedAt = now;
    this.#path?.probe?.();
  }
}
