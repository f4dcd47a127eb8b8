import { CLIENT_ERROR_COUNTERS, SERVER_ERROR_COUNTERS, SERVER_FAULT_COUNTERS } from './client-errors.js';
import type { MetricsWindow } from './metrics-tap.js';
import { countServerLinks, type ServerStats } from './server-stats.js';

/** The series the history keeps, one point per second. Rates are per second; NaN when nothing was measured. */
export const HISTORY_SERIES = [
  'rooms',
  'players',
  'connections',
  'server_links_udp',
  'server_links_tcp',
  'messages_in_per_s',
  'messages_out_per_s',
  'bytes_in_per_s',
  'bytes_out_per_s',
  'errors_per_s',
  'error_sources_per_s',
  'reconnects_per_s',
  'rtt_p50_ms',
  'rtt_p99_ms',
  'jitter_p99_ms',
  'loss_mean',
  'loss_p50',
  'tick_p99_ms',
  'event_loop_lag_p99_ms',
] as const;

export type HistorySeries = (typeof HISTORY_SERIES)[number];

/**
 * One second's point for every series, from the server's counts now and what the tap saw since the
 * last point (`elapsedMs` ago; rates are scaled by it). `eventLoopLagP99Ms` comes from perf_hooks;
 * `clientErrorSources`: the sources of client errors (and of hung request handlers) in that time (see
 * ClientErrors).
 *
 * Two error series: `errors_per_s` is every error counted (the true count, for the dashboard);
 * `error_sources_per_s`, what the error-spike alert watches, counts the server's own faults in full and
 * each source once, so that one client's flood, which the server refuses and cuts off, pages no one, nor
 * do the handlers that hang on one client's requests.
 */
export function sampleSeries(
  stats: ServerStats,
  window: MetricsWindow,
  elapsedMs: number,
  eventLoopLagP99Ms: number,
  clientErrorSources: number,
): Record<HistorySeries, number> {
  const players = stats.players();
  const links = countServerLinks(players);
  const rate = (count: number) => (elapsedMs > 0 ? (count * 1_000) / elapsedMs : Number.NaN);
  const counted = (names: readonly string[]) =>
    names.reduce((sum, name) => sum + (window.counts.get(name) ?? 0), 0);
  const perSecond = (...names: string[]) => rate(counted(names));
  const observed = (name: string) => window.observations.get(name) ?? [];
  // Each connected player's newest heartbeat round trip, as the dashboard's table shows it: a pong comes
  // once a heartbeat (5 s by default), so the pongs of one second leave most seconds empty, and a rule
  // on the round trip, which must hold at every second of its window, could never fire.
  const roundTrips = players
    .filter((player) => !player.away && player.rttMs > 0)
    .map((player) => player.rttMs);
  return {
    rooms: stats.rooms().length,
    players: players.filter((player) => player.roomId !== undefined).length,
    connections: stats.connections,
    server_links_udp: links.udp,
    server_links_tcp: links.tcp,
    messages_in_per_s: perSecond('messages_in_total'),
    messages_out_per_s: perSecond('messages_out_total'),
    bytes_in_per_s: perSecond('bytes_in_total'),
    bytes_out_per_s: perSecond('bytes_out_total'),
    errors_per_s: perSecond(...SERVER_ERROR_COUNTERS, ...CLIENT_ERROR_COUNTERS),
    error_sources_per_s: rate(counted(SERVER_FAULT_COUNTERS) + clientErrorSources),
    reconnects_per_s: perSecond('resumes_total'),
    rtt_p50_ms: quantile(roundTrips, 0.5),
    rtt_p99_ms: quantile(roundTrips, 0.99),
    jitter_p99_ms: quantile(observed('link_jitter_ms'), 0.99),
    loss_mean: mean(observed('link_loss_ratio')),
    loss_p50: quantile(observed('link_loss_ratio'), 0.5),
    tick_p99_ms: quantile(observed('tick_duration_ms'), 0.99),
    event_loop_lag_p99_ms: eventLoopLagP99Ms,
  };
}

/** Nearest-rank quantile; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
