import { nonNegative, optionalCallback, positive, tickNumber } from './checks.js';

/** Tuning of a {@link LagHistory}. */
export interface LagHistoryOptions<W> {
  /** Server ticks per second (default 60). */
  tickRate?: number;
  /** History kept, ms (default 1000, at most 1000: rewinding further rewards very high ping). */
  maxHistoryMs?: number;
  /**
   * Largest interpolation delay (ms) a claim may state (default 150: the clients' 3-interval cap at 20 Hz
   * plus margin). A claim above it is refused: a client could otherwise shoot at where you were long ago.
   */
  maxInterpDelayMs?: number;
  /**
   * What a claim over the delay cap gets (default 'refuse'). 'clamp' judges it as if drawn at the cap:
   * its view moves forward by the excess, so it reaches back no further than an allowed claim, and it is
   * not refused. Real games do this (Source clamps the rewind to `sv_maxunlag`): an honest client whose
   * delay outgrew the cap (snapshots came late) still has its shots judged, and a forged delay gains
   * nothing to punish.
   */
  overDelay?: 'refuse' | 'clamp';
  /**
   * Slack (ms) on the consistency check between a claim and the shooter's measured RTT (default 50). Only
   * used when `rewind` is given the RTT. The reach is measured from the newest recorded tick when
   * `rewind` is called, so a shot judged on arrival also reaches back by however late it came: one sent
   * on a reliable channel and lost arrives as a resend, at least a round trip later. Send shots with the
   * input of the tick they were fired in (on `phys`, repeated with the unacked inputs) and judge them at
   * that tick, as Vehikill does with 150 ms of slack (its players' lead margin, a render clock following
   * its target, an RTT sample that is not the newest); on a reliable channel give at least that.
   */
  rttToleranceMs?: number;
  /** The world `t` (0..1) of the way from tick `a` to tick `a + 1`. Without it the nearer tick is used. */
  interpolate?(a: W, b: W, t: number): W;
}

/**
 * A hitscan claim: the shooter saw the world at render tick `tick + fraction` (server ticks, from its
 * interpolation render time), drawing `interpDelayMs` behind the newest snapshot.
 */
export interface ShotClaim {
  readonly tick: number;
  /** 0 <= fraction < 1 (default 0). */
  readonly fraction?: number;
  /**
   * The shooter's interpolation delay (ms, >= 0): send its AdaptiveDelay's `targetDelayMs`, the delay
   * its render clock steers to, or `appliedDelayMs` when larger (the clock follows a falling target
   * slowly, drawing further back meanwhile; Vehikill sends the larger, rounded). Not the newest
   * snapshot's time minus the render time: that shrinks as render time runs on between snapshots, to
   * near 0 and below (negative while the shooter extrapolates: refused as `invalid`), and a shot stating
   * so little reaches back further than its RTT and that delay explain (`rewind-too-far`): honest shots
   * would be refused.
   */
  readonly interpDelayMs: number;
}

/** Why a claim was refused. */
export type RewindRejection =
  /** Malformed numbers (negative, non-finite, fraction outside [0, 1)). */
  | 'invalid'
  /** Older than the history (past `maxHistoryMs`, or before the first recorded tick). */
  | 'too-old'
  /** Ahead of the newest recorded tick. */
  | 'future'
  /** The stated interpolation delay is above `maxInterpDelayMs`. */
  | 'delay-too-large'
  /** Further back than the shooter's RTT plus its stated delay can explain. */
  | 'rewind-too-far';

/** The outcome of {@link LagHistory.rewind}. */
export type RewindResult<W> =
  | {
      readonly ok: true;
      /** The world the shooter saw (interpolated when `interpolate` is given). */
      readonly world: W;
      /** The recorded worlds around the claim, and how far between them it lies. */
      readonly before: W;
      readonly after: W;
      readonly fraction: number;
      /** How much of the stated delay (ms) was over the cap and not compensated ('clamp'), if any. */
      readonly clampedMs?: number;
    }
  | { readonly ok: false; readonly reason: RewindRejection };

/**
 * The server's recent worlds, one per tick, for lag-compensated hit checks: `record` the tick's world
 * (whatever the game needs to test hits, e.g. hitbox positions; keep it immutable), then `rewind` a
 * shooter's claim to the world it saw on its screen.
 */
export class LagHistory<W> {
  readonly #tickMs: number;
  readonly #capacity: number;
  readonly #maxInterpDelayMs: number;
  readonly #overDelay: 'refuse' | 'clamp';
  readonly #rttToleranceMs: number;
  readonly #interpolate: ((a: W, b: W, t: number) => W) | undefined;
  #worlds: W[] = [];
  #firstTick = 0;

  constructor(options: LagHistoryOptions<W> = {}) {
    const tickRate = positive('tickRate', options.tickRate ?? 60);
    const maxHistoryMs = positive('maxHistoryMs', options.maxHistoryMs ?? 1000);
    if (maxHistoryMs > 1000) throw new TypeError('maxHistoryMs must be at most 1000');
    this.#tickMs = 1000 / tickRate;
    // The epsilon keeps 1000 ms at 60 Hz from computing as 59.999... ticks.
    this.#capacity = Math.max(2, Math.floor(maxHistoryMs / this.#tickMs + 1e-9) + 1);
    this.#maxInterpDelayMs = nonNegative('maxInterpDelayMs', options.maxInterpDelayMs ?? 150);
    this.#overDelay = options.overDelay ?? 'refuse';
    if (this.#overDelay !== 'refuse' && this.#overDelay !== 'clamp') {
      throw new TypeError("overDelay must be 'refuse' or 'clamp'");
    }
    this.#rttToleranceMs = nonNegative('rttToleranceMs', options.rttToleranceMs ?? 50);
    this.#interpolate = optionalCallback('interpolate', options.interpolate);
  }

  /** Records the world after `tick`. Ticks follow one another; a gap or a step back starts over. */
  record(tick: number, world: W): void {
    tickNumber('tick', tick);
    if (this.#worlds.length === 0 || tick !== this.#firstTick + this.#worlds.length) {
      this.#worlds = [];
      this.#firstTick = tick;
    }
    this.#worlds.push(world);
    if (this.#worlds.length > this.#capacity) {
      this.#worlds.shift();
      this.#firstTick++;
    }
  }

  /**
   * Checks `claim` and returns the world the shooter saw. `shooterRttMs`, when known (e.g. from the
   * connection's quality monitor), also bounds how far back a claim may reach: one RTT plus the stated
   * delay plus `rttToleranceMs`, measured from the newest recorded tick. `maxInterpDelayMs`, when given,
   * replaces the history's own cap for this shooter (e.g. one sent snapshots at a lower rate, whose
   * honest interpolation delay runs longer). A delay over the cap is refused, or with `overDelay:
   * 'clamp'` judged at the cap (the view moved forward by the excess, no further than the newest tick).
   * `lateMs` is how late the shooter's own inputs demonstrably were when the claim came with them (e.g.
   * `InputBuffer.lateTicks` of the input that carried it, in ms): a client whose process stalled drew
   * nothing new meanwhile, so it fires at a frame that much older, and the reach bound grows by it (never
   * past the history: older is `too-old`). Measure it on the server, never take it from the claim.
   * A `maxInterpDelayMs`, or a given `shooterRttMs` or `lateMs`, that is negative or not a finite number
   * throws a TypeError (pass undefined for an RTT not measured yet, not a link's NaN).
   */
  rewind(
    claim: ShotClaim,
    shooterRttMs?: number,
    maxInterpDelayMs = this.#maxInterpDelayMs,
    lateMs = 0,
  ): RewindResult<W> {
    // A NaN cap would make every comparison with it false: no claim would be over it.
    nonNegative('maxInterpDelayMs', maxInterpDelayMs);
    nonNegative('lateMs', lateMs);
    // Likewise a NaN RTT: no claim would reach further than it, and the reach check would be off.
    if (shooterRttMs !== undefined) nonNegative('shooterRttMs', shooterRttMs);
    let fraction = claim.fraction ?? 0;
    if (
      // A claim parsed from JSON may hold anything: "0.5" would pass the range check and then add as text.
      typeof fraction !== 'number' ||
      !Number.isSafeInteger(claim.tick) ||
      claim.tick < 0 ||
      !(fraction >= 0 && fraction < 1) ||
      !(claim.interpDelayMs >= 0 && Number.isFinite(claim.interpDelayMs))
    ) {
      return { ok: false, reason: 'invalid' };
    }
    const newestTick = this.newestTick;
    const clampedMs = Math.max(0, claim.interpDelayMs - maxInterpDelayMs);
    if (clampedMs > 0 && this.#overDelay === 'refuse') return { ok: false, reason: 'delay-too-large' };
    if (newestTick === undefined) return { ok: false, reason: 'too-old' };
    // Judged at the cap: seen the excess later, but never later than the newest world.
    let tick = claim.tick;
    if (clampedMs > 0 && claim.tick <= newestTick) {
      const seen = Math.min(newestTick, tick + fraction + clampedMs / this.#tickMs);
      tick = Math.floor(seen);
      fraction = seen - tick;
    }
    if (tick < this.#firstTick) return { ok: false, reason: 'too-old' };
    // The future and the reach are judged as stated: the stated delay explains the stated reach.
    const statedFraction = claim.fraction ?? 0;
    if (claim.tick > newestTick || (claim.tick === newestTick && statedFraction > 0)) {
      return { ok: false, reason: 'future' };
    }
    if (shooterRttMs !== undefined) {
      const rewindMs = (newestTick - claim.tick - statedFraction) * this.#tickMs;
      if (rewindMs > shooterRttMs + claim.interpDelayMs + this.#rttToleranceMs + this.#tickMs + lateMs) {
        return { ok: false, reason: 'rewind-too-far' };
      }
    }
    const before = this.#worlds[tick - this.#firstTick] as W;
    const after = fraction > 0 ? (this.#worlds[tick + 1 - this.#firstTick] as W) : before;
    let world: W;
    if (fraction === 0) world = before;
    else if (this.#interpolate) world = this.#interpolate(before, after, fraction);
    else world = fraction < 0.5 ? before : after;
    const result = { ok: true as const, world, before, after, fraction };
    // Not `{ ...result, clampedMs }`: a property after a spread costs about 1 µs on Node 20.
    return clampedMs > 0 ? Object.assign(result, { clampedMs }) : result;
  }

  /** The world recorded for `tick`, if still held. */
  at(tick: number): W | undefined {
    return this.#worlds[tick - this.#firstTick];
  }

  /** Oldest tick held, if any. */
  get oldestTick(): number | undefined {
    return this.#worlds.length === 0 ? undefined : this.#firstTick;
  }

  /** Newest tick held, if any. */
  get newestTick(): number | undefined {
    return this.#worlds.length === 0 ? undefined : this.#firstTick + this.#worlds.length - 1;
  }

  /** Forgets all worlds. */
  clear(): void {
    this.#worlds = [];
  }
}
