/**
 * Room messages that arrive this soon after the join, before any handler of their type, wait for the
 * first one (what the room sends from `onJoin` comes right behind the join's answer).
 */
export const EARLY_MESSAGE_MS = 1_000;
/** Early messages kept at most. */
const MAX_EARLY_MESSAGES = 64;

interface EarlyMessage {
  readonly type: string;
  readonly data: unknown;
  readonly from: string | undefined;
}

/**
 * A joined room's messages that came before any handler of their type, early on: the app subscribes once
 * its join has resolved, and a message right behind the answer would be lost.
 */
export class EarlyRoomMessages {
  readonly #joinedAt: number;
  /** Undefined once the early time is over (or the room was left): nothing more is kept. */
  #kept: EarlyMessage[] | undefined = [];

  constructor(joinedAt: number) {
    this.#joinedAt = joinedAt;
  }

  /** Keeps a message no handler takes yet, if it came early enough and there is room; whether it did. */
  keep(message: EarlyMessage, now: number): boolean {
    if (this.#kept === undefined) return false;
    if (now - this.#joinedAt > EARLY_MESSAGE_MS) {
      this.#kept = undefined;
      return false;
    }
    if (this.#kept.length >= MAX_EARLY_MESSAGES) return false;
    this.#kept.push(message);
    return true;
  }

  /** The messages of `type` kept, in the order they came, no longer kept. */
  take(type: string): EarlyMessage[] {
    const early = this.#kept?.filter((message) => message.type === type) ?? [];
    if (early.length > 0) this.#kept = this.#kept?.filter((message) => message.type !== type);
    return early;
  }

  /** Every message kept, in the order they came, no longer kept (a catch-all handler takes them). */
  takeAll(): EarlyMessage[] {
    const early = this.#kept ?? [];
    if (this.#kept !== undefined) this.#kept = [];
    return early;
  }

  /** Keeps nothing more, and lets go of what was kept. */
  stop(): void {
    this.#kept = undefined;
  }
}
