import type { Cancel, Clock, TokenBucket } from '../common/index.js';
import type { Outbox } from '../protocol/index.js';

/** What the replay needs of the session's output: the outbox it replays and the budget it keeps to. */
export interface ReplaySource {
  readonly clock: Clock;
  outbox(): Outbox;
  budget(): TokenBucket | undefined;
  write(frame: Uint8Array): void;
}

/**
 * Sequence numbers of the messages written in turn within the send budget after a resume: the replay of
 * what the server missed (up to the whole outbox, 1,024 messages), then anything sent meanwhile, in seq
 * order; each frame is made from the outbox when its turn comes. Written at once, a long replay went past
 * the server's burst and got the socket cut off.
 */
export class PacedReplay {
  readonly #source: ReplaySource;
  #paced: number[] = [];
  /** Expiring messages of a paced replay whose life ran out before their turn came. */
  #expired = 0;
  #cancelPacing: Cancel | undefined;

  constructor(source: ReplaySource) {
    this.#source = source;
  }

  /** Messages waiting for their turn. */
  get waiting(): number {
    return this.#paced.length;
  }

  get expired(): number {
    return this.#expired;
  }

  /** Writes the messages numbered `seqs` in turn, within the budget. */
  start(seqs: number[]): void {
    this.#paced = seqs;
    this.#writePaced();
  }

  /** Behind any still waiting for the send budget: the sequence order must hold. Whether it waits. */
  queueBehind(seq: number): boolean {
    if (this.#paced.length === 0) return false;
    this.#paced.push(seq);
    return true;
  }

  /** Frames waiting for the budget stay in the outbox: the next welcome replays them. */
  stop(): void {
    this.#cancelPacing?.();
    this.#cancelPacing = undefined;
    this.#paced = [];
  }

  /**
   * Writes waiting messages while the budget allows, then comes back when the next token is due. Each
   * frame is made as it is written: an expiring message states what is left of its life then, and one
   * whose life ran out while it waited is not sent (counted as expired).
   */
  #writePaced(): void {
    this.#cancelPacing = undefined;
    const { clock } = this.#source;
    const outbox = this.#source.outbox();
    const budget = this.#source.budget();
    let written = 0;
    while (written < this.#paced.length) {
      const now = clock.now();
      const frame = outbox.frameOf(this.#paced[written] as number, now);
      if (frame === undefined) {
        this.#expired++;
        written++;
        continue;
      }
      if (!(budget?.take(now) ?? true)) break;
      this.#source.write(frame);
      written++;
    }
    this.#paced.splice(0, written);
    if (this.#paced.length === 0 || budget === undefined) return;
    this.#cancelPacing = clock.setTimeout(() => this.#writePaced(), budget.msUntilToken(clock.now()));
  }
}
