import type { Cancel, Clock } from '../common/index.js';

/** One sender's gate: when its last sample left, the newest one waiting, and the timer that sends it. */
interface SenderState<Sample> {
  lastSentAt: number;
  pending: Sample | undefined;
  cancel: Cancel | undefined;
}

/**
 * Samples (`phys`) over TCP, at the sender and at the relay: only the newest pending sample per sender is kept (an older one still
 * waiting is superseded, never sent), and each sender's samples leave at most once per `minIntervalMs`
 * (20 Hz by default). A stale sample is worse than none; a queue of them is head-of-line blocking.
 *
 * A sample is whatever `write` makes the frame from (the frame itself by default): a relay that keeps what
 * it needs to encode one and encodes it in `write` does so only for the samples that leave, however many
 * a sender offers.
 */
export class NewestSampleGate<Sample = Uint8Array> {
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  readonly #write: (sample: Sample, sender: string) => void;
  readonly #senders = new Map<string, SenderState<Sample>>();
  superseded = 0;

  constructor(clock: Clock, minIntervalMs: number, write: (sample: Sample, sender: string) => void) {
    this.#clock = clock;
    this.#minIntervalMs = minIntervalMs;
    this.#write = write;
  }

  /** True when the sample replaced one of the sender's still waiting (counted in `superseded`). */
  offer(sender: string, sample: Sample): boolean {
    // No interval: nothing ever waits, so there is nothing to supersede (a TCP-mode server link).
    if (this.#minIntervalMs <= 0) {
      this.#write(sample, sender);
      return false;
    }
    const now = this.#clock.now();
    let state = this.#senders.get(sender);
    if (!state) {
      state = { lastSentAt: Number.NEGATIVE_INFINITY, pending: undefined, cancel: undefined };
      this.#senders.set(sender, state);
    }
    if (state.pending === undefined && now - state.lastSentAt >= this.#minIntervalMs) {
      state.lastSentAt = now;
      this.#write(sample, sender);
      return false;
    }
    const replaces = state.pending !== undefined;
    if (replaces) this.superseded++;
    state.pending = sample;
    state.cancel ??= this.#schedule(sender, state, now);
    return replaces;
  }

  /**
   * Sends the sender's pending sample when its interval is up. Apart from `offer`: its closure there made
   * V8 allocate a context on every sample offered, sent at once or not.
   */
  #schedule(sender: string, state: SenderState<Sample>, now: number): Cancel {
    return this.#clock.setTimeout(
      () => {
        state.cancel = undefined;
        const pending = state.pending;
        state.pending = undefined;
        if (pending === undefined) return;
        state.lastSentAt = this.#clock.now();
        this.#write(pending, sender);
      },
      Math.max(0, state.lastSentAt + this.#minIntervalMs - now),
    );
  }

  /** A sender left: forget its pending sample. True when one was waiting (it is never sent). */
  forget(sender: string): boolean {
    const state = this.#senders.get(sender);
    state?.cancel?.();
    this.#senders.delete(sender);
    return state?.pending !== undefined;
  }

  clear(): void {
    for (const sender of [...this.#senders.keys()]) this.forget(sender);
  }
}
