/**
 * Sends every bot's inputs at 30 Hz on a fixed grid, each bot at its own phase. One timer for all bots:
 * a `setInterval` per bot fires one period after its previous *start*, so under load its rate sags below
 * 30/s and the server would see fewer inputs than the scenario says. Here each bot's due time advances
 * by exactly one period, so the average rate holds; after a stall longer than a period a bot restarts
 * from now instead of sending a burst.
 */
import { INPUT_HZ } from './scenario.js';

const PERIOD_MS = 1_000 / INPUT_HZ;
const RESOLUTION_MS = 4;

/** `wallMs`: Date.now() as read once for the whole pass, for what the inputs carry. */
type Send = (wallMs: number) => void;

interface Paced {
  send: Send;
  dueAt: number;
  stopped: boolean;
}

export class InputPacer {
  readonly #bots: Paced[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Starts `send` at 30 Hz, first at a phase spread by `index`; returns the stop. */
  add(index: number, send: Send): () => void {
    const paced: Paced = { send, dueAt: performance.now() + ((index * 7.3) % PERIOD_MS), stopped: false };
    this.#bots.push(paced);
    this.#timer ??= setInterval(() => this.#run(), RESOLUTION_MS);
    return () => {
      paced.stopped = true;
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #run(): void {
    const now = performance.now();
    // One wall-clock read per pass, not one per bot: the harness should cost the same little for every
    // system, so what the bot core measures is the client library.
    const wallMs = Date.now();
    for (const bot of this.#bots) {
      if (bot.stopped || bot.dueAt > now) continue;
      bot.send(wallMs);
      bot.dueAt = bot.dueAt + PERIOD_MS > now ? bot.dueAt + PERIOD_MS : now + PERIOD_MS;
    }
  }
}
