import { type Cancel, type Clock, TokenBucket } from '../../common/index.js';

export interface HandshakePacerOptions {
  /** Handshakes in progress at once. Default 8. */
  concurrent?: number;
  /** Handshakes started per second at most (a burst of as many, at least one, is allowed). Default 50. */
  perSecond?: number;
  /**
   * Handshakes in progress at once for one address while other addresses wait (its share); as many
   * slots are always left to other addresses. Default a quarter of `concurrent`, at least 1.
   */
  perAddress?: number;
}

/** Who a handshake is for. */
export interface HandshakeRequester {
  /**
   * The address (block) the player connects from: addresses within their share (`perAddress` slots) go
   * first, waiting addresses take turns. Requests without one share the address `''`.
   */
  address?: string;
  /**
   * Among one address's waiting requests, lower ranks go first (first come first served within a rank):
   * the session's failed attempts in a row, so a new player is not queued behind sessions retrying.
   * Default 0.
   */
  rank?: number;
}

interface Entry {
  /** 'starting': given a slot, its start queued for a microtask. */
  state: 'waiting' | 'starting' | 'running' | 'finished';
  readonly run: () => void;
  readonly rank: number;
  readonly address: AddressState;
}

interface AddressState {
  readonly key: string;
  running: number;
  /** By rank, then arrival. */
  readonly waiting: Entry[];
  /** When this address last started a handshake (the pacer's count of starts); -1: never. */
  lastServed: number;
}

/**
 * Each server-link handshake (a native PeerConnection, its certificate, DTLS) costs the server
 * milliseconds of CPU. A burst of joins must not take them all at once and stall the rooms' ticks, so
 * set-ups wait here: at most `concurrent` in progress and `perSecond` started. A player waits on the TCP
 * path meanwhile, which works from the first moment.
 *
 * Slots are shared fairly, and none stays idle while a handshake could use it. An address's share is
 * `perAddress` slots: when a slot frees, it goes to the waiting address within its share served longest
 * ago, and within an address to the request of lowest rank. Only while no address within its share waits
 * may an address go over it (the one with fewest over, then served longest ago), and never into the last
 * `perAddress` free slots: those stay for other addresses. So players behind one address (a carrier-grade
 * NAT) use the idle slots, while sessions of one address that never finish their handshake (each holds
 * its slot until the attempt's timeout) cannot keep a player of another address from starting: a
 * newcomer finds a free slot, or has the next one that frees. Each session has at most one request here
 * at a time (its ServerLink's), so what waits is bounded by the sessions.
 */
export class HandshakePacer {
  readonly #clock: Clock;
  readonly #concurrent: number;
  readonly #perAddress: number;
  readonly #bucket: TokenBucket;
  readonly #perSecond: number;
  /** Addresses with a handshake in progress or waiting; forgotten once they have neither. */
  readonly #addresses = new Map<string, AddressState>();
  /** Addresses with a request waiting, in the order they began waiting. */
  readonly #turns = new Set<AddressState>();
  #waiting = 0;
  #running = 0;
  #starts = 0;
  #cancelWake: Cancel | undefined;
  #closed = false;
  /** Most handshakes that were ever waiting at once. */
  peakWaiting = 0;
  /** Most handshakes that were ever in progress at once (never above `concurrent`). */
  peakRunning = 0;

  constructor(clock: Clock, options: HandshakePacerOptions = {}) {
    this.#clock = clock;
    this.#concurrent = options.concurrent ?? 8;
    this.#perAddress = options.perAddress ?? Math.max(1, Math.floor(this.#concurrent / 4));
    this.#perSecond = options.perSecond ?? 50;
    // At least one token: below one a second (0.5, a handshake every 2 s), a bucket that holds less than
    // one never has the one a start takes, and no handshake ever started.
    this.#bucket = new TokenBucket(Math.max(1, this.#perSecond), this.#perSecond, clock.now());
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Addresses with a handshake in progress or waiting. */
  get addresses(): number {
    return this.#addresses.size;
  }

  /** Handshakes in progress for one address. */
  runningFor(address: string): number {
    return this.#addresses.get(address)?.running ?? 0;
  }

  /**
   * Runs `start` when a slot is free for `from` (at the earliest in a microtask). The caller must call the
   * returned `done` once the handshake ended (connected, failed or abandoned); `cancel` withdraws a request
   * that has not started.
   */
  request(start: () => void, from: HandshakeRequester = {}): { done: () => void; cancel: () => void } {
    const key = from.address ?? '';
    let address = this.#addresses.get(key);
    if (!address) {
      address = { key, running: 0, waiting: [], lastServed: -1 };
      this.#addresses.set(key, address);
    }
    const entry: Entry = {
      state: 'waiting',
      run: () => {
        if (entry.state !== 'starting') return;
        entry.state = 'running';
        start();
      },
      rank: from.rank ?? 0,
      address,
    };
    if (this.#closed) {
      entry.state = 'finished';
      this.#forgetIfIdle(address);
    } else {
      insertByRank(address.waiting, entry);
      this.#turns.add(address);
      this.#waiting++;
      this.peakWaiting = Math.max(this.peakWaiting, this.#waiting);
      this.#pump();
    }
    return {
      done: () => {
        if (entry.state !== 'starting' && entry.state !== 'running') return;
        entry.state = 'finished';
        this.#release(entry.address);
      },
      cancel: () => {
        if (entry.state === 'waiting') {
          entry.state = 'finished';
          this.#withdraw(entry);
        } else if (entry.state === 'starting') {
          // Given a slot, but its start has not run: it never will, and the slot is free again.
          entry.state = 'finished';
          this.#release(entry.address);
        }
      },
    };
  }

  /** The server is closing: nothing waiting will start. */
  close(): void {
    this.#closed = true;
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    for (const address of this.#turns) {
      this.#waiting -= address.waiting.length;
      for (const entry of address.waiting) entry.state = 'finished';
      address.waiting.length = 0;
      this.#forgetIfIdle(address);
    }
    this.#turns.clear();
  }

  #release(address: AddressState): void {
    this.#running--;
    address.running--;
    this.#forgetIfIdle(address);
    this.#pump();
  }

  #withdraw(entry: Entry): void {
    const { address } = entry;
    const index = address.waiting.indexOf(entry);
    if (index === -1) return;
    address.waiting.splice(index, 1);
    this.#waiting--;
    if (address.waiting.length === 0) this.#turns.delete(address);
    this.#forgetIfIdle(address);
  }

  #forgetIfIdle(address: AddressState): void {
    if (address.running === 0 && address.waiting.length === 0) this.#addresses.delete(address.key);
  }

  /**
   * The waiting address below its share that was served longest ago (or never). Failing one, while that
   * leaves `perAddress` slots free, a waiting address over its share: the one with fewest in progress, then
   * served longest ago.
   */
  #nextAddress(): AddressState | undefined {
    let best: AddressState | undefined;
    let over: AddressState | undefined;
    for (const address of this.#turns) {
      if (address.running >= this.#perAddress) {
        if (
          over === undefined ||
          address.running < over.running ||
          (address.running === over.running && address.lastServed < over.lastServed)
        )
          over = address;
        continue;
      }
      if (best === undefined || address.lastServed < best.lastServed) best = address;
      if (best.lastServed === -1) return best;
    }
    if (best) return best;
    return this.#running + this.#perAddress < this.#concurrent ? over : undefined;
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#concurrent) {
      const address = this.#nextAddress();
      if (!address) return;
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
      const next = address.waiting.shift() as Entry;
      this.#waiting--;
      // To the back of the turns: among addresses waiting alike, the others go first.
      this.#turns.delete(address);
      if (address.waiting.length > 0) this.#turns.add(address);
      next.state = 'starting';
      address.running++;
      address.lastServed = this.#starts++;
      this.#running++;
      this.peakRunning = Math.max(this.peakRunning, this.#running);
      // Never inside `request()`: the caller has its handle before its handshake starts.
      queueMicrotask(next.run);
    }
  }
}

/** After the last entry of the same or a lower rank. */
function insertByRank(waiting: Entry[], entry: Entry): void {
  let index = waiting.length;
  while (index > 0 && (waiting[index - 1] as Entry).rank > entry.rank) index--;
  waiting.splice(index, 0, entry);
}
