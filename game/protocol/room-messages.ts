import * as v from 'valibot';
import type { KillFeedEntry, MatchPhase } from '../sim/index.js';

/*
 * The room messages of a Vehikill room (reliable unless said otherwise), beside the state sync and the
 * server link: who plays, kills, the match's phases, chat, and warnings (anti-cheat, chat refused). Vehicle ids are the
 * simulation's (a synced vehicle's `id` field); `playerEntity` is the sync entity id of a player's
 * PlayerEntity (health, ammo, score), which carries no id of its own.
 */

/** Longest chat line, in characters (UTF-16 code units, as the page's field counts): at most 900 UTF-8 bytes. */
export const CHAT_MAX = 300;
/**
 * What one player may say, as real games bound it: 5 lines at once, then one a second, and 2,000 bytes
 * (UTF-8) at once, then 500 a second, so that long lines go slower (two of 300 '€' at once, then one
 * every 1.8 s). The room passes nothing over it on, and refuses the line's request (`RoomError`
 * RATE_LIMITED), which the sender's session tells as a `warning` of kind 'chat'.
 * Every line is broadcast reliably to every member: unbounded, one player's flood of such lines queued
 * ahead of a slow-link player's snapshots and got them kicked.
 */
export const CHAT_BUDGET = { burst: 5, perSecond: 1, bytesBurst: 2_000, bytesPerSecond: 500 } as const;
/** Chat lines a room keeps for late joiners. */
export const CHAT_HISTORY = 30;

export interface RosterEntry {
  /** The session's playerId; server-side bots have 'bot:<vehicleId>'. */
  readonly playerId: string;
  readonly name: string;
  readonly vehicleId: number;
  readonly playerEntity: number;
  readonly bot: boolean;
}

export interface Standing {
  readonly vehicleId: number;
  readonly kills: number;
  readonly deaths: number;
  readonly score: number;
}

/** Sent at every phase change and to joiners. */
export interface MatchNotice {
  /** Counts matches played in this room, from 1. */
  readonly match: number;
  readonly phase: MatchPhase;
  /** Vehicle ids of the winners once ended (ties share; none if nobody killed: a draw), else empty. */
  readonly winners: readonly number[];
  /** Final standings once ended, else empty. */
  readonly standings: readonly Standing[];
  /** Once ended: ms until the next match starts. */
  readonly nextMatchInMs?: number;
  /** The sync entity id of the MatchEntity (phase, seconds left). */
  readonly matchEntity: number;
}

export interface ChatLine {
  readonly from: string;
  readonly name: string;
  readonly text: string;
  /** Server clock (ms) when the room accepted it. */
  readonly at: number;
}

export type AntiCheatKind =
  | 'input-rate'
  | 'input-future'
  | 'shot-claim'
  | 'fire-rule'
  | 'malformed'
  | 'forged-phys'
  | 'hash-rate';

/** Sent to the offender, at most once a second per kind: what was refused and how close a kick is. */
export interface AntiCheatWarning {
  readonly kind: AntiCheatKind;
  /** Violations of this kind within the window. */
  readonly count: number;
  /** The most violations of this kind the window may hold: the one past it (count > limit) kicks. */
  readonly limit: number;
}

/**
 * A chat line the room refused (over CHAT_BUDGET): the line went to no one. The room refuses the line's
 * request with this `code` and `message` (a `RoomError`), and the sender's session tells it as a warning.
 */
export interface ChatRefusal {
  readonly kind: 'chat';
  readonly code: 'RATE_LIMITED';
  readonly message: string;
}

export interface RoomState {
  readonly roster: readonly RosterEntry[];
  readonly match: MatchNotice;
  readonly killFeed: readonly KillFeedEntry[];
  readonly chat: readonly ChatLine[];
  /**
   * How long (ms) the server holds this player's seat once their page goes away: what the page asks for
   * as it goes (`keepSessionForReload`). Absent from an older server: the page's own default then.
   */
  readonly reloadHoldMs?: number;
}

/** Server to player. */
export type ServerMessages = {
  roster: { players: RosterEntry[] };
  kill: KillFeedEntry;
  match: MatchNotice;
  chat: ChatLine;
  warning: AntiCheatWarning;
};

/** Player to server: schemas the room validates with (`onMessage(type, schema, handler)`). */
export const chatSchema = v.object({
  text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(CHAT_MAX)),
});

/**
 * A peer's phys sample disagreed with the server's state as this player decoded it: the sample's tick
 * and position, for the server to check against its own history.
 */
export const peerReportSchema = v.object({
  accused: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  tick: v.pipe(v.number(), v.integer(), v.minValue(0)),
  x: v.pipe(v.number(), v.finite()),
  y: v.pipe(v.number(), v.finite()),
});

export type PeerReport = v.InferOutput<typeof peerReportSchema>;

export type ClientMessages = {
  chat: v.InferOutput<typeof chatSchema>;
  report: PeerReport;
};
