import { ErrorCode, ProtocolError } from '../../protocol/index.js';

/**
 * How many room listings may read the registry at once on this node. A listing is the dearest thing a
 * player can ask of a shared registry (Redis runs it on the one thread every node shares, and this node
 * sends everything over one connection, so its joins and creations queue behind them): a crowd of clients
 * listing at once would otherwise hold up every other player of the node. Past the running ones, a few
 * wait their turn; past those, the listing is refused RATE_LIMITED.
 */
export class ListingGate {
  readonly #concurrent: number;
  readonly #maxWaiting: number;
  readonly #onRefused: () => void;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  /** `onRefused` hears each listing refused (for a metric). */
  constructor(options: { concurrent?: number; maxWaiting?: number; onRefused?: () => void } = {}) {
    this.#concurrent = options.concurrent ?? 4;
    this.#maxWaiting = options.maxWaiting ?? 64;
    this.#onRefused = options.onRefused ?? (() => {});
  }

  async run<T>(read: () => Promise<T>): Promise<T> {
    if (this.#running < this.#concurrent) this.#running++;
    else if (this.#waiting.length < this.#maxWaiting) {
      // Woken by a listing that ended, which hands its place over rather than freeing it.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#onRefused();
      throw new ProtocolError(
        ErrorCode.RATE_LIMITED,
        'too many room listings at once on this server: try again in a moment',
      );
    }
    try {
      return await read();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
