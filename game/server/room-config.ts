import type { MatchOptions } from '../sim/index.js';
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
