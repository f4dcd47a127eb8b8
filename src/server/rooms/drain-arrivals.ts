import { randomBytes } from 'node:crypto';
import { ARRIVAL_TAG } from '../../protocol/index.js';
import type { ArrivedSessions } from '../registry/registry.js';

/**
 * The longest drain name taken from a request: a drain's own (`drainName`) fits many times over, and so
 * does the node id and boot id an earlier version named its drains by.
 */
const MAX_DRAIN_NAME_LENGTH = 256;

/**
 * A name for this process's drain, in its plan and in the URL its players are sent to: random (128 bits),
 * so that it tells the players nothing of the node (its id, its boot), and no one can guess it to take
 * players off the plan of a drain that did not send them.
 */
export function drainName(): string {
  return randomBytes(16).toString('base64url');
}

/** Drains counted at once: a client naming made-up ones cannot grow the tally without end. */
const MAX_DRAINS = 64;

/**
 * `url` (a node's WebSocket URL) naming `drain` (its name in the registry's plans, see
 * `Registry.planArrivals`) as the drain that sent the player there: the node it lands on tells which of
 * its new sessions that drain sent, and its heartbeat takes them off the drain's plan (see
 * `Registry.heartbeat`). '' stays ''.
 */
export function arrivalUrl(url: string, drain: string): string {
  if (url === '') return url;
  const tagged = new URL(url);
  tagged.searchParams.set(ARRIVAL_TAG, drain);
  return tagged.toString();
}

/** The drain a WebSocket request (its target, `/ws?...`) says sent it, if it names one this node takes. */
export function arrivingFrom(requestTarget: string | undefined): string | undefined {
  const queryAt = requestTarget?.indexOf('?') ?? -1;
  if (requestTarget === undefined || queryAt === -1) return undefined;
  const drain = new URLSearchParams(requestTarget.slice(queryAt + 1)).get(ARRIVAL_TAG);
  return drain !== null && drain !== '' && drain.length <= MAX_DRAIN_NAME_LENGTH ? drain : undefined;
}

/**
 * The sessions that came to this node from each drain, for its heartbeats to take off the drains' plans
 * (see `Registry.heartbeat`). Named by the client, so only an account: a client naming a drain that did
 * not send it takes one of that drain's players off its plan for this node, which then counts as it would
 * by heartbeats alone, never below what it hosts. At most `MAX_DRAINS` drains at once; sessions from
 * others are not counted (they count twice for a while, as they did before arrivals were counted).
 *
 * Said in numbered batches, each until a heartbeat that carries it goes through: a heartbeat that failed
 * may have been recorded (its answer lost) or not, and the registry applies a batch it has not applied
 * yet, once. One batch at a time: what comes meanwhile waits for the next one, so that a registry down
 * for long holds back one batch and one tally, not a batch per heartbeat.
 */
export class ArrivalTally {
  #byDrain = new Map<string, number>();
  /** The batch the heartbeats say until one goes through. */
  #unconfirmed: ArrivedSessions | undefined;
  #batches = 0;

  /** One new session sent by `drain`. */
  note(drain: string): void {
    const held = this.#byDrain.get(drain);
    if (held === undefined && this.#byDrain.size >= MAX_DRAINS) return;
    this.#byDrain.set(drain, (held ?? 0) + 1);
  }

  /**
   * What the next heartbeat says: the batch no heartbeat was known to record, else what came since the
   * last batch as a new one (leaving the tally empty), else nothing.
   */
  next(): ArrivedSessions | undefined {
    if (this.#unconfirmed === undefined && this.#byDrain.size > 0) {
      this.#unconfirmed = { batch: ++this.#batches, byDrain: this.#byDrain };
      this.#byDrain = new Map();
    }
    return this.#unconfirmed;
  }

  /** A heartbeat that said `said` (from `next`) went through: the registry has it. */
  recorded(said: ArrivedSessions | undefined): void {
    if (said === this.#unconfirmed) this.#unconfirmed = undefined;
  }
}
