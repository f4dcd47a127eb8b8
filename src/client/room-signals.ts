import type { Clock, Disposer, Emitter } from '../common/index.js';
import type { RoomEvents } from './room-transport.js';

/**
 * How far the room's mesh or voice chat read the room's signals. Its subscription to them ends when it
 * closes (its `close()`, or the room's leave): that is how the room knows it is closed.
 */
interface SignalReader {
  /** Signals numbered up to this were handed to the one before it: they are not replayed to this one. */
  readonly after: number;
  /** Undefined while it listens; once it has closed, the number of the last signal it was handed. */
  readUpTo: number | undefined;
}

/** The room's mesh or voice chat, and its reader of the room's signals. */
export interface SignalConsumer<T> {
  readonly value: T;
  readonly reader: SignalReader;
}

/** Whether `consumer` (the room's mesh or voice chat) is there and has not closed. */
export function stillOpen<T>(consumer: SignalConsumer<T> | undefined): consumer is SignalConsumer<T> {
  return consumer !== undefined && consumer.reader.readUpTo === undefined;
}

/** Enough for an offer and its candidates from every peer of a full mesh, data and voice. */
const MAX_RECENT_SIGNALS = 512;
/** Signals older than this are of no use to a late starter (its peer's attempt has timed out). */
const RECENT_SIGNAL_MS = 30_000;

/**
 * A room's signals from peers, told as its `signal` event, and the recent ones kept for its mesh or voice
 * chat: one that starts later than the peer that sent them (its mesh or voice came up first) is handed
 * them first.
 */
export class RoomSignals {
  readonly #clock: Clock;
  readonly #events: Emitter<RoomEvents>;
  /** The reader of the mesh or voice chat being made now (see `make`): its `consume` call is its. */
  #starting: SignalReader | undefined;
  /** Recent signals, replayed to consumers that start later than the peer that sent them. */
  readonly #recent: Array<{ from: string; signal: unknown; at: number; seq: number }> = [];
  /** Signals received so far: each recent one carries its number. */
  #count = 0;

  /** `events`: the room's, whose `signal` event tells each signal (and ends with the room's leave). */
  constructor(clock: Clock, events: Emitter<RoomEvents>) {
    this.#clock = clock;
    this.#events = events;
  }

  receive(from: string, signal: unknown): void {
    const now = this.#clock.now();
    this.#recent.push({ from, signal, at: now, seq: ++this.#count });
    while (
      this.#recent.length > MAX_RECENT_SIGNALS ||
      (this.#recent[0]?.at ?? now) < now - RECENT_SIGNAL_MS
    ) {
      this.#recent.shift();
    }
    this.#events.emit('signal', { from, signal });
  }

  /** `RoomConnection.consumeSignals`: the recent signals this reader has not had, then each as it comes. */
  consume(listener: (event: { from: string; signal: unknown }) => void): Disposer {
    const reader = this.#starting;
    this.#starting = undefined;
    const after = reader?.after ?? 0;
    for (const { from, signal, seq } of this.#recent) if (seq > after) listener({ from, signal });
    const dispose = this.#events.on('signal', listener);
    if (!reader) return dispose;
    return () => {
      reader.readUpTo ??= this.#count;
      dispose();
    };
  }

  /**
   * Makes the room's mesh or voice chat with `make`, whose `consume` call (in its constructor) becomes its
   * reader's subscription; `previous`, the closed one before it, says where its replay starts.
   */
  make<T>(previous: SignalConsumer<T> | undefined, make: () => T): SignalConsumer<T> {
    const reader: SignalReader = { after: previous?.reader.readUpTo ?? 0, readUpTo: undefined };
    this.#starting = reader;
    try {
      return { value: make(), reader };
    } finally {
      this.#starting = undefined;
    }
  }

  /**
   * The player left: its signals belong to negotiations of a seating that ended. Replayed to a mesh or voice
   * chat made after the player came back, an offer of its old mesh would be answered to its new one (whose
   * attempts number from 1 again), and its new offer taken as a second one for the same attempt.
   */
  forget(playerId: string): void {
    const kept = this.#recent.filter((recent) => recent.from !== playerId);
    this.#recent.splice(0, this.#recent.length, ...kept);
  }
}
