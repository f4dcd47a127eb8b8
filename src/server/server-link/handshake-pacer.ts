import { type Cancel, type Clock, Fifo, TokenBucket } from '../../common/index.js';

export interface HandshakePacerOptions {
  /** Handshakes in progress at once. Default 8. */
  concurrent?: number;
  /** Handshakes started per second at most (a burst of as many is allowed). Default 50. */
  perSecond?: number;
}

/**
 * Each server-link handshake (a native PeerConnection, its certificate, DTLS) costs the server
 * milliseconds of CPU. A burst of joins must not take them all at once and stall the rooms' ticks, so
 * set-ups wait here: at most `concurrent` in progress and `perSecond` started, first come first served.
 * A player waits on the TCP path meanwhile, which works from the first moment.
 */
export class HandshakePacer {
  readonly #clock: Clock;
  readonly #concurrent: number;
  readonly #bucket: TokenBucket;
  readonly #perSecond: number;
  readonly #waiting = new Fifo<{ start: () => void; cancelled: boolean }>();
  #running = 0;
  #cancelWake: Cancel | undefined;
  /** Most handshakes that were ever waiting at once. */
  peakWaiting = 0;
  /** Most handshakes that were ever in progress at once (never above `concurrent`). */
  peakRunning = 0;

  constructor(clock: Clock, options: HandshakePacerOptions = {}) {
    this.#clock = clock;
    this.#concurrent = options.concurrent ?? 8;
    this.#perSecond = options.perSecond ?? 50;
    this.#bucket = new TokenBucket(this.#perSecond, this.#perSecond, clock.now());
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `start` when a slot is free (at the earliest in a microtask). The caller must call the returned `done` once the handshake
   * ended (connected, failed or abandoned); `cancel` withdraws a request that has not started.
   */
  request(start: () => void): { done: () => void; cancel: () => void } {
    const entry = { start, cancelled: false };
    let started = false;
    let finished = false;
    entry.start = () => {
      started = true;
      start();
    };
    this.#waiting.push(entry);
    this.peakWaiting = Math.max(this.peakWaiting, this.#waiting.length);
    this.#pump();
    return {
      done: () => {
        if (!started || finished) return;
        finished = true;
        this.#running--;
        this.#pump();
      },
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** The server is closing: nothing waiting will start. */
  close(): void {
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    for (let entry = this.#waiting.shift(); entry; entry = this.#waiting.shift()) entry.cancelled = true;
  }

  #pump(): void {
    while (this.#running < this.#concurrent) {
      while (this.#waiting.peek()?.cancelled) this.#waiting.shift();
      const next = this.#waiting.peek();
      if (!next) return;
      if (!this.#bucket.take(this.#clock.now())) {
        this.#cancelWake ??= this.#clock.setTimeout(
          () => {
            this.#cancelWake = undefined;
            this.#pump();
          },
          Math.ceil(1_000 / this.#perSecond),
        );
        return;
      }
      this.#waiting.shift();
      this.#running++;
      this.peakRunning = Math.max(this.peakRunning, this.#running);
      // Never inside `request()`: the caller has its handle before its handshake starts.
      queueMicrotask(next.start);
    }
  }
}
