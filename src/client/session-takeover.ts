import { decodeTakeoverToken, type TakeoverToken } from './takeover-token.js';

/** A hello's resume that asks to take a session over: this client has none of its stream (`ack` 0). */
export interface TakeoverResume {
  readonly playerId: string;
  readonly token: string;
  readonly ack: 0;
  readonly takeover: true;
}

/**
 * The session a new client was given to take over (the `resumeToken` option): asked for by its hellos
 * until a welcome answers it, the server refuses it, or the client gives it up (a close, a move to
 * another node), never again after. A token that cannot be read is told once, as a refusal would be.
 */
export class SessionTakeover {
  #token: TakeoverToken | undefined;
  #unreadable: boolean;

  constructor(text: string | undefined) {
    this.#token = text === undefined ? undefined : decodeTakeoverToken(text);
    this.#unreadable = text !== undefined && this.#token === undefined;
  }

  /** The guest token the session was authenticated with, if the token carries one. */
  get guestToken(): string | undefined {
    return this.#token?.guestToken;
  }

  /** Whether a takeover is still to be asked for (and a resumed welcome answers it). */
  get pending(): boolean {
    return this.#token !== undefined;
  }

  /** The resume for the next hello, while a takeover is pending. */
  resume(): TakeoverResume | undefined {
    const token = this.#token;
    if (token === undefined) return undefined;
    return { playerId: token.playerId, token: token.resumeToken, ack: 0, takeover: true };
  }

  /** Taken over, refused, or given up: no hello asks for it again. */
  end(): void {
    this.#token = undefined;
  }

  /** True once, when the token given could not be read (nothing to ask the server for). */
  takeUnreadable(): boolean {
    const unreadable = this.#unreadable;
    this.#unreadable = false;
    return unreadable;
  }
}
