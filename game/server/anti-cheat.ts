import type { AntiCheatKind } from '../protocol/index.js';

/**
 * How many violations of each kind a player may commit within `windowMs` before being kicked. Honest
 * clients commit none: their inputs arrive at the tick rate and within the lead the server allows,
 * their shot views are inside the server's history, they fire only when their weapon is ready, and what
 * they tell peers is their own prediction. The limits leave room for a network hiccup, not for a habit.
 */
export interface AntiCheatLimits {
  readonly windowMs: number;
  readonly limits: Readonly<Record<AntiCheatKind, number>>;
}

export const DEFAULT_ANTI_CHEAT_LIMITS: AntiCheatLimits = Object.freeze({
  windowMs: 10_000,
  limits: Object.freeze({
    /**
     * Inputs beyond one per tick plus the buffer's allowance. A client whose machine stalls catches up
     * with a few ticks at once and may lose one or two each time (60 in 10 s were seen from 16 bots
     * starving on two cores); a speed hack loses one every tick, and a burst dozens at once.
     */
    'input-rate': 300,
    /** Inputs more than the buffer's lead (30 ticks, 0.5 s) ahead of the server. */
    'input-future': 30,
    /** Shot views outside the history, in the future, or claiming too much interpolation delay. */
    'shot-claim': 10,
    /**
     * Fire inputs the rules refused that no latency explains: cooling down (a forged trigger), or empty
     * or wrecked for over a second (`excusedFires` counts the earlier ones, which nobody is held to).
     */
    'fire-rule': 20,
    /** Server-link messages that did not decode. */
    malformed: 10,
    /** Phys samples sent to peers that the server's own history confirms were far off. */
    'forged-phys': 5,
    /**
     * State hash reports beyond one per half second of the ticks they report on, or on ticks not
     * simulated yet (honest clients report on every 60th tick they decode, however late a stall makes
     * them). Each is checked and may be logged: a flood is an attack on both.
     */
    'hash-rate': 10,
  }),
});

export const ANTI_CHEAT_KINDS = Object.keys(DEFAULT_ANTI_CHEAT_LIMITS.limits) as AntiCheatKind[];

export interface Verdict {
  readonly kind: AntiCheatKind;
  /** Violations of this kind within the window, this one included. */
  readonly count: number;
  readonly limit: number;
  /** The count went past the limit: kick. */
  readonly exceeded: boolean;
}

interface Tally {
  /** [time, count] of recent violations, oldest first. */
  readonly recent: [number, number][];
  total: number;
}

/** Violations per player and kind, in a sliding window, with all-time totals. */
export class AntiCheat<Player> {
  readonly #limits: AntiCheatLimits;
  readonly #players = new Map<Player, Map<AntiCheatKind, Tally>>();

  constructor(limits: Partial<AntiCheatLimits> = {}) {
    this.#limits = {
      windowMs: limits.windowMs ?? DEFAULT_ANTI_CHEAT_LIMITS.windowMs,
      limits: { ...DEFAULT_ANTI_CHEAT_LIMITS.limits, ...limits.limits },
    };
    if (!(this.#limits.windowMs > 0)) throw new RangeError('anti-cheat windowMs must be > 0');
  }

  get limits(): AntiCheatLimits {
    return this.#limits;
  }

  /** Records `count` violations (count ≥ 1) of `kind` at `now` (ms). */
  record(player: Player, kind: AntiCheatKind, count: number, now: number): Verdict {
    let tallies = this.#players.get(player);
    if (!tallies) {
      tallies = new Map();
      this.#players.set(player, tallies);
    }
    let tally = tallies.get(kind);
    if (!tally) {
      tally = { recent: [], total: 0 };
      tallies.set(kind, tally);
    }
    tally.recent.push([now, count]);
    tally.total += count;
    while (
      tally.recent.length > 0 &&
      (tally.recent[0] as [number, number])[0] <= now - this.#limits.windowMs
    ) {
      tally.recent.shift();
    }
    let inWindow = 0;
    for (const [, n] of tally.recent) inWindow += n;
    const limit = this.#limits.limits[kind];
    return { kind, count: inWindow, limit, exceeded: inWindow > limit };
  }

  /** Every violation a player committed so far, by kind. */
  totals(player: Player): Record<AntiCheatKind, number> {
    const totals = Object.fromEntries(ANTI_CHEAT_KINDS.map((kind) => [kind, 0])) as Record<
      AntiCheatKind,
      number
    >;
    for (const [kind, tally] of this.#players.get(player) ?? []) totals[kind] = tally.total;
    return totals;
  }

  forget(player: Player): void {
    this.#players.delete(player);
  }
}
