import type { MetricsSink } from '../metrics.js';
import type { KnownMetric } from './metric-catalog.js';

/**
 * Errors a client causes: input refused (malformed, oversize, over its rate), a broken WebSocket, a
 * resume refused. The server answers each with a code and cuts a flood off; it has nothing to fix.
 */
export const CLIENT_ERROR_COUNTERS = [
  'bad_input_total',
  'socket_errors_total',
  'resume_failures_total',
] as const satisfies readonly KnownMetric[];

/**
 * Errors the server causes itself that no one client can set off at will (a fault of its own, a room's
 * app code throwing): someone should look, so the error-spike alert counts each of them. Not the
 * refusals that shield the server from its room's handlers (`room_requests_overdue_total`): an honest
 * client meets those too.
 */
export const SERVER_FAULT_COUNTERS = [
  'internal_errors_total',
  'room_hook_errors_total',
] as const satisfies readonly KnownMetric[];

/**
 * Errors of the server's own that follow what one client asks: a room request's handler still running a
 * minute past its deadline, written off as hung. An app whose handler waits on something a client holds
 * (its answer, its move) hangs for each request that client sends, up to MAX_ROOM_REQUESTS_OVERDUE a
 * minute: counted by the source of the request, as the clients' errors are, so that one client cannot
 * raise the alert alone, while handlers hanging for many players still add up.
 */
export const SOURCED_SERVER_ERROR_COUNTERS = [
  'room_request_handlers_hung_total',
] as const satisfies readonly KnownMetric[];

/** Every error of the server's own: what `errors_per_s` counts besides the clients' errors. */
export const SERVER_ERROR_COUNTERS = [...SERVER_FAULT_COUNTERS, ...SOURCED_SERVER_ERROR_COUNTERS] as const;

export type ClientErrorCounter = (typeof CLIENT_ERROR_COUNTERS)[number];

/** What ClientErrors counts by source: the clients' errors, and the server's that follow one client's asking. */
export type SourcedErrorCounter = ClientErrorCounter | (typeof SOURCED_SERVER_ERROR_COUNTERS)[number];

/** Sources told apart in one second by default: far above any useful alert threshold. */
const DEFAULT_MAX_SOURCES = 1_024;

/**
 * Counts what clients get wrong (and the server's errors one client's asking sets off:
 * SOURCED_SERVER_ERROR_COUNTERS), and notes who: the address block (see `addressBlock`) each error came
 * from. The error-spike alert counts a source once a second however many errors it sent, so one hostile
 * or broken client cannot page anyone alone, while many players failing at once (a broken client
 * release, resumes refused after a restart) still adds up.
 *
 * Bounded: at most `maxSources` sources are told apart in a second (a flood from more addresses reads as
 * that many, a floor), and the set is emptied at every sample. The set holds the callers' own strings.
 */
export class ClientErrors {
  readonly #metrics: MetricsSink;
  readonly #maxSources: number;
  readonly #sources = new Set<string>();

  constructor(metrics: MetricsSink, maxSources = DEFAULT_MAX_SOURCES) {
    if (!Number.isInteger(maxSources) || maxSources < 1) {
      throw new TypeError(`maxSources must be a positive integer, got ${maxSources}`);
    }
    this.#metrics = metrics;
    this.#maxSources = maxSources;
  }

  /**
   * Counts `name` as `metrics.count` would, and notes `source`. Runs per refused frame: no allocation of
   * its own (a source already noted this second is a lookup; pass a string the caller keeps, not a new one).
   */
  count(
    name: SourcedErrorCounter,
    labels: Readonly<Record<string, string>> | undefined,
    source: string,
  ): void {
    this.#metrics.count(name, labels);
    if (this.#sources.size < this.#maxSources) this.#sources.add(source);
  }

  /** How many sources erred since the last call; the next second starts empty. */
  takeSources(): number {
    const count = this.#sources.size;
    this.#sources.clear();
    return count;
  }
}
