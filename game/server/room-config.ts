import { MAX_SESSION_KEEP_MS } from 'vehikill-net/protocol';
import { MAX_SNAPSHOT_BUDGET_BYTES, type MetricsSink } from 'vehikill-net/server';
import { MAX_BOTS, SEATS } from '../protocol/room-options.js';
import { type MatchOptions, resolveMatchConfig } from '../sim/index.js';
import type { AntiCheatLimits } from './anti-cheat.js';

/** The snapshot rates RoomSync takes (Hz): it throws past them, in every room's creation. */
const SNAPSHOT_HZ = { min: 1, max: 120 } as const;
/** The smallest snapshot budget RoomSync takes (bytes); the largest is one phys message's. */
const MIN_BUDGET_BYTES = 16;

/** How a server runs its Vehikill rooms; a creator's options (CreateOptions) override some per room. */
export interface VehikillRoomConfig {
  /** Players (humans and bots) a Quick Play room keeps at least, filling with bots (default 4; 0: none). */
  readonly quickPlayBots?: number;
  /** Seconds of play per match (default 300). */
  readonly matchSeconds?: number;
  /** Seconds of warmup before each match (default 3). */
  readonly warmupSeconds?: number;
  /** Seconds between a match's end and the next one's warmup (default 10). */
  readonly pauseSeconds?: number;
  /** Human seats (default 8, the peer mesh's default cap; up to 16). */
  readonly maxPlayers?: number;
  /** Snapshots per second to each player (default 30). */
  readonly snapshotHz?: number;
  /** Bytes of one snapshot before deflate (default 1200: one datagram). */
  readonly budgetBytes?: number;
  /**
   * Seconds the server holds a player's seat once their page goes away (a reload, or a tab closed for good):
   * the page asks for this hold as it goes (`keepSessionForReload`), told it when it joins (default 10,
   * from 1 to 600; never longer than the server's grace period). A reload within it takes the match back;
   * a closed tab's car leaves once it is over.
   */
  readonly reloadHoldSeconds?: number;
  readonly antiCheat?: Partial<AntiCheatLimits>;
  /** Other rules (weapons, damage, pickups); the match and warmup lengths above take precedence. */
  readonly match?: MatchOptions;
  /** Seed of the server bots' brains (default 1). */
  readonly botSeed?: number;
  /**
   * Server bots the rooms created from one address (an IPv6 address's /64) may run at once, over all of
   * them (default 48: three rooms full of bots). A creation asking for more bots than its address has left
   * is refused (JOIN_REJECTED, saying how many it may have); a Quick Play room gets what is left.
   */
  readonly maxBotsPerAddress?: number;
  /**
   * Where the rooms' state sync counts what it sends and refuses (`sync_snapshots_total`, ...): the
   * server's own `metrics`, so that they reach /metrics. A room cannot reach them by itself.
   */
  readonly metrics?: MetricsSink;
}

export const ROOM_DEFAULTS = {
  quickPlayBots: 4,
  matchSeconds: 300,
  warmupSeconds: 3,
  pauseSeconds: 10,
  maxPlayers: 8,
  snapshotHz: 30,
  budgetBytes: 1200,
  reloadHoldSeconds: 10,
} as const;

/** What is wrong with a config, and in which of its fields. */
export interface RoomConfigProblem {
  readonly field: keyof VehikillRoomConfig;
  readonly message: string;
}

/**
 * The first thing wrong with `config` that every room made with it would refuse or run wrong with, or
 * undefined: checked where the config is given (`vehikillRoom`, the server's start) rather than found by
 * each room's creation, which would refuse every room (JOIN_REJECTED) on a server that started fine.
 */
export function roomConfigProblem(config: VehikillRoomConfig): RoomConfigProblem | undefined {
  const whole = (field: keyof VehikillRoomConfig, min: number, max: number, what: string) => {
    const value = config[field];
    if (
      value === undefined ||
      (Number.isInteger(value) && (value as number) >= min && (value as number) <= max)
    )
      return undefined;
    return { field, message: `must be a whole number from ${min} to ${max} (${what}), got ${String(value)}` };
  };
  const problem =
    whole(
      'quickPlayBots',
      0,
      MAX_BOTS,
      `players a Quick Play room is topped up to with bots, at most MAX_BOTS`,
    ) ??
    whole('maxPlayers', SEATS.min, SEATS.max, 'human seats of a room') ??
    whole(
      'reloadHoldSeconds',
      1,
      MAX_SESSION_KEEP_MS / 1_000,
      "seconds a page's seat is held for a reload, at most the protocol's MAX_SESSION_KEEP_MS",
    ) ??
    (config.pauseSeconds === undefined || (Number.isFinite(config.pauseSeconds) && config.pauseSeconds >= 0)
      ? undefined
      : { field: 'pauseSeconds' as const, message: `must be 0 or more seconds, got ${config.pauseSeconds}` });
  if (problem) return problem;
  const syncProblem = snapshotProblem(config) ?? antiCheatProblem(config.antiCheat);
  if (syncProblem) return syncProblem;
  // The match rules' own check, on what a room gives them: its match and warmup lengths over `match`.
  try {
    resolveMatchConfig({
      ...config.match,
      matchSeconds: config.matchSeconds ?? ROOM_DEFAULTS.matchSeconds,
      warmupSeconds: config.warmupSeconds ?? ROOM_DEFAULTS.warmupSeconds,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const field = (['matchSeconds', 'warmupSeconds'] as const).find((name) => message.includes(name));
    return { field: field ?? 'match', message: message.replace(/^match config: /, '') };
  }
  return undefined;
}

/** A snapshot rate or budget RoomSync would throw on in every room's creation. */
function snapshotProblem(config: VehikillRoomConfig): RoomConfigProblem | undefined {
  const { snapshotHz, budgetBytes } = config;
  if (snapshotHz !== undefined && !(snapshotHz >= SNAPSHOT_HZ.min && snapshotHz <= SNAPSHOT_HZ.max)) {
    return {
      field: 'snapshotHz',
      message: `must be from ${SNAPSHOT_HZ.min} to ${SNAPSHOT_HZ.max} snapshots a second, got ${String(snapshotHz)}`,
    };
  }
  if (
    budgetBytes !== undefined &&
    !(budgetBytes >= MIN_BUDGET_BYTES && budgetBytes <= MAX_SNAPSHOT_BUDGET_BYTES)
  ) {
    return {
      field: 'budgetBytes',
      message: `must be from ${MIN_BUDGET_BYTES} to ${MAX_SNAPSHOT_BUDGET_BYTES} bytes (one phys message), got ${String(budgetBytes)}`,
    };
  }
  return undefined;
}

/**
 * A window every room's AntiCheat throws on, or a limit that is no count: a negative one kicks at the
 * first violation, and NaN or undefined (a spread of a partial object) never kicks.
 */
function antiCheatProblem(antiCheat: Partial<AntiCheatLimits> | undefined): RoomConfigProblem | undefined {
  if (antiCheat === undefined) return undefined;
  const { windowMs, limits } = antiCheat;
  if (windowMs !== undefined && !(Number.isFinite(windowMs) && windowMs > 0)) {
    return { field: 'antiCheat', message: `windowMs must be a number of ms > 0, got ${String(windowMs)}` };
  }
  for (const [kind, limit] of Object.entries(limits ?? {})) {
    if (!(Number.isInteger(limit) && (limit as number) >= 0)) {
      return {
        field: 'antiCheat',
        message: `limits['${kind}'] must be a whole number of violations ≥ 0, got ${String(limit)}`,
      };
    }
  }
  return undefined;
}
