import { MAX_RESUME_ATTEMPT_AHEAD } from '../protocol/index.js';

/**
 * Numbers the connections that resume one session (`Hello.resume.attempt`): each a number above the
 * one before, so that the server refuses the delayed hello of a connection this client gave up, and never
 * more than MAX_RESUME_ATTEMPT_AHEAD above the newest resume the server welcomed, which the server holds
 * as its newest (or a later one whose welcome was lost: nearer still), so that it never refuses an honest
 * one as too far ahead. Counted per session, from the connection that began it (0): counted over the
 * client's life, a client that had reconnected many times in earlier sessions began a session's resumes
 * that far ahead.
 */
export class ResumeAttempts {
  /** Connections opened to resume the session now held. */
  #opened = 0;
  /** The number of the newest resume the server welcomed (0: the session's first connection). */
  #welcomed = 0;

  /** A new session began (its first welcome): the connection it came on is attempt 0. */
  began(): void {
    this.#opened = 0;
    this.#welcomed = 0;
  }

  /**
   * The number for the resume on a connection just opened. Past MAX_RESUME_ATTEMPT_AHEAD connections
   * with no welcome it stays at the bound: of connections numbered the same, the server takes the first
   * whose hello it reads.
   */
  next(): number {
    this.#opened++;
    return Math.min(this.#opened, this.#welcomed + MAX_RESUME_ATTEMPT_AHEAD);
  }

  /** The server welcomed the resume numbered `attempt`. */
  welcomed(attempt: number): void {
    this.#welcomed = Math.max(this.#welcomed, attempt);
  }
}
