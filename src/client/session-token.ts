import { ErrorCode } from '../protocol/index.js';
import type { ClientOptions } from './client-options.js';
import { fetchGuestToken, GuestTokenRefused, GuestTokenUnavailable } from './guest-token.js';

/**
 * The token each connection attempt presents: the app's own (a string, or a function asked once and
 * again after the server refused the last), or a guest token fetched from the server now, renewed when
 * the server says it expired.
 */
export class SessionToken {
  readonly #options: Pick<ClientOptions, 'token' | 'name'>;
  /** The server this client talks to now, whose guest endpoint gives guest tokens. */
  readonly #url: () => string;
  #token: string | undefined;
  /** The guest token the server said had expired: renewed on the next attempt (see `get`). */
  #expiredToken: string | undefined;

  /**
   * `guest`: the guest token of a session this client takes over (see TakeoverToken), used as if it
   * had fetched it: the session is resumed only as the user it began as.
   */
  constructor(options: Pick<ClientOptions, 'token' | 'name'>, url: () => string, guest?: string) {
    this.#options = options;
    this.#url = url;
    if (options.token === undefined) this.#token = guest;
  }

  /** The guest token this client fetched (or took over) and presents now; undefined for the app's own. */
  get guest(): string | undefined {
    return this.#options.token === undefined ? this.#token : undefined;
  }

  /** Whether the app gave a token of its own as a string: one the server refused cannot be replaced. */
  get fixed(): boolean {
    return typeof this.#options.token === 'string';
  }

  async get(): Promise<string> {
    const source = this.#options.token;
    if (typeof source === 'string') return source;
    if (this.#token !== undefined) return this.#token;
    if (typeof source === 'function') {
      this.#token = await source();
      return this.#token;
    }
    const expired = this.#expiredToken;
    if (expired !== undefined) {
      // Not renewable (expired too long ago, or the server's secret changed): a new guest. Only on that
      // refusal: a renewal that failed on the way (no answer, a 5xx) is asked for again next attempt, as a
      // new guest's token would have the resume refused (RESUME_REJECTED) and the seat lost with it.
      this.#token = await fetchGuestToken(this.#url(), this.#options.name, expired).catch(
        (error: unknown) => {
          if (!(error instanceof GuestTokenRefused)) throw error;
          return fetchGuestToken(this.#url(), this.#options.name);
        },
      );
      this.#expiredToken = undefined;
      return this.#token;
    }
    this.#token = await fetchGuestToken(this.#url(), this.#options.name);
    return this.#token;
  }

  /**
   * The server refused the token (`expired`: TOKEN_EXPIRED): a fresh one is fetched on the next attempt; an
   * expired guest token is renewed (same guest), so the session, which is bound to the guest, can still
   * be resumed.
   */
  refused(expired: boolean): void {
    if (expired && this.#options.token === undefined) this.#expiredToken = this.#token;
    this.#token = undefined;
  }

  /** Why a token that did not come within the connect timeout is given up on: as its source's failure. */
  timedOut(connectTimeoutMs: number): Error {
    const within = `no answer within ${connectTimeoutMs.toLocaleString('en-US')} ms`;
    if (this.#options.token !== undefined) return new Error(`the token function gave ${within}`);
    return new GuestTokenUnavailable(ErrorCode.NODE_UNREACHABLE, `guest token request: ${within}`);
  }
}
