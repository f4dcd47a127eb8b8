import type { Clock } from '../../common/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';

/** At most one log line per this many ms about registry calls failing in players' requests. */
const REGISTRY_LOG_INTERVAL_MS = 10_000;

/**
 * Registry calls that failed in players' requests (REGISTRY_UNAVAILABLE from the registry itself, not a
 * refusal of this node's, which has no cause): each counted in `registry_failures_total`, once, and its
 * cause (Redis's own words) logged for the operator, at most one line per REGISTRY_LOG_INTERVAL_MS. The
 * player's answer says only that the registry failed.
 */
export class RegistryFailures {
  readonly #clock: Clock;
  readonly #metrics: MetricsSink;
  readonly #nodeId: string;
  /** Failures already counted and logged. */
  readonly #noted = new WeakSet<ProtocolError>();
  /** When a failure was last logged, and how many went unlogged since. */
  #loggedAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(options: { clock: Clock; metrics: MetricsSink; nodeId: string }) {
    this.#clock = options.clock;
    this.#metrics = options.metrics;
    this.#nodeId = options.nodeId;
  }

  /** True when `error` is a registry failure already counted (by `note`). */
  noted(error: ProtocolError): boolean {
    return this.#noted.has(error);
  }

  /**
   * Counts and logs `error` if it is a registry failure not counted yet. `thrown`: a registry call threw it.
   */
  note(error: unknown, thrown = false): void {
    if (!(error instanceof ProtocolError) || error.code !== ErrorCode.REGISTRY_UNAVAILABLE) return;
    if ((error.cause === undefined && !thrown) || this.#noted.has(error)) return;
    this.#noted.add(error);
    this.#metrics.count('registry_failures_total');
    const now = this.#clock.now();
    if (now - this.#loggedAt < REGISTRY_LOG_INTERVAL_MS) {
      this.#unlogged++;
      return;
    }
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    const unlogged = this.#unlogged > 0 ? ` (and ${this.#unlogged} more since the last line)` : '';
    this.#loggedAt = now;
    this.#unlogged = 0;
    console.warn(
      `vehikill-net: node ${this.#nodeId}: a player's request failed on the registry: ${error.message}; cause: ${cause}${unlogged}`,
    );
  }
}
