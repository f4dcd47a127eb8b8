import type { Cancel, Clock } from '../common/index.js';

/** A `close()` writing what was held back: until `deadline`, trying again every 10 ms (`attempt`). */
interface Flush {
  deadline: number;
  attempt: () => void;
  done: Promise<number>;
}

/** What closing needs of the session. */
export interface ClosingSession {
  readonly clock: Clock;
  isClosed(): boolean;
  isOpen(): boolean;
  /** Sequenced messages sent that would not reach the server were the client closed now. */
  unsent(): number;
  /** Closes the session now, `unsent` messages not written. */
  closeNow(unsent: number): void;
}

/**
 * The session's `close()`: sequenced messages still held back (by the rate limit or a backed-up socket)
 * are written first, for at most the time asked, then the session ends.
 */
export class SessionClosing {
  readonly #session: ClosingSession;
  /** A `close()` waiting for what was held back to be written. */
  #closing: Flush | undefined;

  constructor(session: ClosingSession) {
    this.#session = session;
  }

  /** A `close()` still writing what was held back, before it closes (undefined: none). */
  get done(): Promise<number> | undefined {
    return this.#closing?.done;
  }

  /** See `SessionConnection.close`. */
  close(flushMs: number): Promise<number> {
    const session = this.#session;
    if (session.isClosed()) return Promise.resolve(0);
    const deadline = session.clock.now() + flushMs;
    const flushing = this.#closing;
    if (flushing) {
      // Calls made while it flushes share it, but a shorter wait wins: a page going away
      // (`closeForUnload`, flushMs 0) cannot wait out the 3 s of a close made just before.
      if (deadline < flushing.deadline) {
        flushing.deadline = deadline;
        flushing.attempt();
      }
      return flushing.done;
    }
    let settled = false;
    let cancelRetry: Cancel | undefined;
    const flush: Flush = { deadline, attempt: () => {}, done: Promise.resolve(0) };
    flush.done = new Promise<number>((resolve) => {
      flush.attempt = () => {
        if (settled) return;
        cancelRetry?.();
        cancelRetry = undefined;
        if (session.isClosed()) {
          settled = true;
          resolve(0);
          return;
        }
        const unsent = session.unsent();
        if (unsent > 0 && session.isOpen() && session.clock.now() < flush.deadline) {
          cancelRetry = session.clock.setTimeout(flush.attempt, 10);
          return;
        }
        settled = true;
        session.closeNow(unsent);
        resolve(unsent);
      };
      flush.attempt();
    });
    // Kept while it flushes; once settled it is forgotten (one that closed at once is never kept), so
    // that a close after a later `connect()` ends that session rather than answering with this.
    if (!settled) {
      this.#closing = flush;
      void flush.done.finally(() => {
        if (this.#closing === flush) this.#closing = undefined;
      });
    }
    return flush.done;
  }
}
