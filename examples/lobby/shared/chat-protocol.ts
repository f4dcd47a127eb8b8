/** What the chat room and the lobby page say to each other: shared by both sides, types and limits only. */

/** Longest room title, in characters. */
export const TITLE_MAX = 40;
/** Longest chat line, in characters. */
export const TEXT_MAX = 500;
/**
 * What one member may say: 5 lines at once, then one a second, and 3,000 bytes (UTF-8) at once, then 750 a
 * second (a line of TEXT_MAX characters is at most 1,500). The room passes nothing over it on and tells
 * the sender (`refused`): every line goes reliably to every member, and one member's flood would queue
 * ahead of everything else a member on a slow link gets.
 */
export const CHAT_BUDGET = { burst: 5, perSecond: 1, bytesBurst: 3_000, bytesPerSecond: 750 } as const;
/** Chat lines a room keeps for late joiners. */
export const HISTORY_LINES = 50;
/** Seats per room: default and bounds. */
export const SEATS = { default: 8, min: 2, max: 16 } as const;

export interface ChatLine {
  /** The sender's playerId. */
  from: string;
  name: string;
  text: string;
  /** Server time (ms since the epoch) when the room accepted the line. */
  at: number;
}

/** Someone is typing: volatile, so a lost one costs nothing and none is replayed late. */
export interface Typing {
  from: string;
  name: string;
}

/** Sent to a member whose chat line the room refused (over CHAT_BUDGET), at most once a second. */
export interface ChatRefused {
  code: 'RATE_LIMITED';
  message: string;
}

/** The room's `stateFor`: what a joiner (or a resynced player) starts from. */
export interface ChatState {
  history: ChatLine[];
}

/** Options a creator may pass. */
export interface ChatRoomOptions {
  title?: string;
  maxClients?: number;
}

/** Messages the room sends to players. */
export type ChatIn = { chat: ChatLine; typing: Typing; refused: ChatRefused };
/** Messages players send to the room. */
export type ChatOut = { chat: { text: string }; typing: Record<string, never> };
