import { MAX_BOTS, SEATS } from '../protocol/room-options.js';
import { type MatchOptions, resolveMatchConfig } from '../sim/index.js';
import type { AntiCheatLimits } from './anti-cheat.js';

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
}

export const ROOM_DEFAULTS = {
  quickPlayBots: 4,
  matchSeconds: 300,
  warmupSeconds: 3,
  pauseSeconds: 10,
  maxPlayers: 8,
  snapshotHz: 30,
  budgetBytes: 1200,
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
    (config.pauseSeconds === undefined || (Number.isFinite(config.pauseSeconds) && config.pauseSeconds >= 0)
      ? undefined
      : { field: 'pauseSeconds' as const, message: `must be 0 or more seconds, got ${config.pauseSeconds}` });
  if (problem) return problem;
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
