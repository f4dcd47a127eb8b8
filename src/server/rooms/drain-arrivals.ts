import { ARRIVAL_TAG } from '../../protocol/index.js';

/** The longest drain name taken from a request: a node id and a boot id fit many times over. */
const MAX_DRAIN_NAME_LENGTH = 256;

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
 * The sessions that came to this node from each drain since its last heartbeat (see
 * `Registry.heartbeat`). Named by the client, so only an account: a client naming a drain that did not
 * send it takes one of that drain's players off its plan for this node, which then counts as it would by
 * heartbeats alone, never below what it hosts. At most `MAX_DRAINS` drains at once; sessions from others
 * are not counted (they count twice for a while, as they did before arrivals were counted).
 */
export class ArrivalTally {
  #byDrain = new Map<string, number>();

  /** One new session sent by `drain`. */
  note(drain: string): void {
    const held = this.#byDrain.get(drain);
    if (held === undefined && this.#byDrain.size >= MAX_DRAINS) return;
    this.#byDrain.set(drain, (held ?? 0) + 1);
  }

  /** What came since the last `take`, by drain, leaving the tally empty: for the heartbeat. */
  take(): Map<string, number> {
    const taken = this.#byDrain;
    this.#byDrain = new Map();
    return taken;
  }
}
