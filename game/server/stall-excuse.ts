import { TICK_MS } from '../net/protocol/timeline.js';

/** The input refusals a stall of the server's own may bring on an honest player. */
export type StallExcusedKind = 'input-rate' | 'input-future';

/**
 * How long after a stall (ms) refusals are still put down to it. What a stall brought on in the
 * measurements (stale inputs only: those of the ticks it ran without them) came as it caught up; the
 * inputs and shots sent during it are judged within the next half second (the input buffer's lead), and
 * 2 s leaves a loaded machine room for a slower catch-up and the next anti-cheat check.
 */
export const STALL_EXCUSE_MS = 2_000;

interface Stall<Player> {
  /** Local time (ms) the server's loop caught up with it. */
  readonly at: number;
  /** Ticks it left due at once: caught up and skipped. */
  readonly ticks: number;
  /** What each player has used of its allowance, by kind. */
  readonly used: Map<Player, Partial<Record<StallExcusedKind, number>>>;
}

/**
 * What a stall of the server's own loop (a GC pause, a busy host) can explain of its players' refusals,
 * sized by the stall and for `expiresAfterMs` after it, and no more: a speed hack, inputs far ahead or
 * forged shot views go on being counted through a server's stalls, as they are between them.
 *
 * - Inputs: while the server stalls, players' inputs wait in its sockets and then come at once. The
 *   input buffer earns their credit per tick of the timeline and judges their lead by the tick the loop
 *   is due at, so honest players were refused none (bots through stalls of 150 ms, 0.5 s, 1 s and 2.5 s,
 *   and five of 150 ms 300 ms apart: their server's clock jumped ahead, its loop's timers were held while
 *   its sockets were read, its process was blocked with the bots in another, or the one process of both
 *   was). Should any still be refused, no more can be than the inputs a stall held up: one a tick it
 *   lasted. Each player may have that many of each
 *   kind put down to each stall, used up by the refusals that follow it, oldest stall first.
 * - Shots: a view further back than the shooter's round trip, delay and lateness explain is put down to
 *   a stall if the excess is within the stall's length: the longest a stall can have kept a frame on a
 *   player's screen or its input in the server's socket. (On a loaded machine, where the server and its
 *   bots stalled together every few hundred ms, bots' shots were refused 19 ms beyond that; none was
 *   refused after the stalls the tests made on an idle one.)
 */
export class StallExcuse<Player> {
  readonly #expiresAfterMs: number;
  /** Stalls that may still explain refusals, oldest first. */
  readonly #stalls: Stall<Player>[] = [];

  constructor(expiresAfterMs = STALL_EXCUSE_MS) {
    if (!(expiresAfterMs >= 0)) throw new RangeError('stall excuse expiresAfterMs must be >= 0');
    this.#expiresAfterMs = expiresAfterMs;
  }

  /** The server's loop caught up at `now` (ms) with a stall that left `ticks` ticks due at once. */
  stalled(ticks: number, now: number): void {
    if (!(ticks > 0)) return;
    this.#expire(now);
    this.#stalls.push({ at: now, ticks, used: new Map() });
  }

  /**
   * Of `count` refusals of `kind` that `player` was found to have at `now`, how many no stall explains:
   * those beyond what is left of the allowances of the stalls of the last `expiresAfterMs`.
   */
  unexcused(player: Player, kind: StallExcusedKind, count: number, now: number): number {
    this.#expire(now);
    let left = count;
    for (const stall of this.#stalls) {
      if (left <= 0) break;
      const used = stall.used.get(player) ?? {};
      const excused = Math.min(left, stall.ticks - (used[kind] ?? 0));
      if (excused <= 0) continue;
      used[kind] = (used[kind] ?? 0) + excused;
      stall.used.set(player, used);
      left -= excused;
    }
    return left;
  }

  /** Whether a stall of the last `expiresAfterMs` explains a shot view `excessMs` further back than judged. */
  explainsReach(excessMs: number, now: number): boolean {
    this.#expire(now);
    return this.#stalls.some((stall) => excessMs <= stall.ticks * TICK_MS);
  }

  forget(player: Player): void {
    for (const stall of this.#stalls) stall.used.delete(player);
  }

  #expire(now: number): void {
    while (this.#stalls.length > 0 && (this.#stalls[0] as Stall<Player>).at <= now - this.#expiresAfterMs) {
      this.#stalls.shift();
    }
  }
}
