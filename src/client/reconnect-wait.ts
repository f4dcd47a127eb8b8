import type { Cancel, Clock, Disposer } from '../common/index.js';
import { onBrowserOnline } from './browser-online.js';

/** What the wait needs of the session. */
export interface WaitingSession {
  readonly clock: Clock;
  /** Whether it is still trying to connect: after a drop, or before a first welcome (a game opened offline). */
  trying(): boolean;
  /** Makes the next attempt to connect. */
  attempt(): void;
}

/**
 * The wait before the session's next attempt to connect: a backoff timer that the browser's `online` event
 * cuts short, the network being back, rather than have the player wait out the rest of it.
 */
export class ReconnectWait {
  readonly #session: WaitingSession;
  /** Subscribes to the network coming back: the browser's `online` event (tests pass their own). */
  readonly #onOnline: (listener: () => void) => Disposer;
  #cancelWait: Cancel | undefined;
  #stopWatching: Disposer | undefined;

  constructor(session: WaitingSession, onOnline = onBrowserOnline) {
    this.#session = session;
    this.#onOnline = onOnline;
  }

  /** Attempts after `delayMs`, in place of any wait under way. */
  wait(delayMs: number): void {
    this.#cancelWait?.();
    this.#cancelWait = this.#session.clock.setTimeout(() => {
      this.#cancelWait = undefined;
      this.#session.attempt();
    }, delayMs);
  }

  /** From now until `stop`, the network coming back ends a wait under way with an attempt at once. */
  watchOnline(): void {
    this.#stopWatching ??= this.#onOnline(() => {
      if (!this.#session.trying() || !this.#cancelWait) return;
      this.cancel();
      this.#session.attempt();
    });
  }

  /** Drops the wait under way, if any: no attempt comes of it. */
  cancel(): void {
    this.#cancelWait?.();
    this.#cancelWait = undefined;
  }

  /** The session ended: no wait, and the network coming back is no longer watched. */
  stop(): void {
    this.cancel();
    this.#stopWatching?.();
    this.#stopWatching = undefined;
  }
}
