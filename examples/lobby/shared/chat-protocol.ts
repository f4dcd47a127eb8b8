/** What the chat room and the lobby page say to each other: shared by both sides, types and limits only. */

/** Longest room title, in characters. */
export const TITLE_MAX = 40;
/** Longest chat line, in characters. */
export const TEXT_MAX = 500;
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
export type ChatIn = { chat: ChatLine; typing: Typing };
/** Messages players send to the room. */
export type ChatOut = { chat: { text: string }; typing: Record<string, never> };
