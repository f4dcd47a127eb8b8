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
  'reconnects_per_s',
  'rtt_p50_ms',
  'rtt_p99_ms',
  'jitter_p99_ms',
  'loss_mean',
  'tick_p99_ms',
  'event_loop_lag_p99_ms',
] as const;

export type HistorySeries = (typeof HISTORY_SERIES)[number];

/** Counted names that are faults: their sum per second is what the error-spike alert watches. */
const ERROR_COUNTERS = [
  'bad_input_total',
  'internal_errors_total',
  'room_hook_errors_total',
  'socket_errors_total',
  'resume_failures_total',
];

/**
 * One second's point for every series, from the server's counts now and what the tap saw since the
 * last point (`elapsedMs` ago; rates are scaled by it). `eventLoopLagP99Ms` comes from perf_hooks.
 */
export function sampleSeries(
  stats: ServerStats,
  window: MetricsWindow,
  elapsedMs: number,
  eventLoopLagP99Ms: number,
): Record<HistorySeries, number> {
  const players = stats.players();
  const links = countServerLinks(players);
  const perSecond = (...names: string[]) => {
    const total = names.reduce((sum, name) => sum + (window.counts.get(name) ?? 0), 0);
    return elapsedMs > 0 ? (total * 1_000) / elapsedMs : Number.NaN;
  };
  const observed = (name: string) => window.observations.get(name) ?? [];
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
    errors_per_s: perSecond(...ERROR_COUNTERS),
    reconnects_per_s: perSecond('resumes_total'),
    rtt_p50_ms: quantile(observed('rtt_ms'), 0.5),
    rtt_p99_ms: quantile(observed('rtt_ms'), 0.99),
    jitter_p99_ms: quantile(observed('link_jitter_ms'), 0.99),
    loss_mean: mean(observed('link_loss_ratio')),
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
