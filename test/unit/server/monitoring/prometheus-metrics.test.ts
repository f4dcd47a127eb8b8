import { type PlayerStats, PrometheusMetrics, type ServerStats } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../../integration/prometheus-text.js';

function fakeStats(players: PlayerStats[]): ServerStats {
  return {
    connections: 3,
    sessions: players.length,
    rooms: () => [
      { roomId: 'r1', type: 'arena', private: false, locked: false, clients: 2, maxClients: 8, createdAt: 0 },
    ],
    players: () => players,
  };
}

const base = {
  name: 'p',
  away: false,
  rttMs: 20,
  connection: 1,
  quality: {
    rttMs: Number.NaN,
    jitterMs: Number.NaN,
    lossUp: Number.NaN,
    lossDown: Number.NaN,
    kbpsIn: 0,
    kbpsOut: 0,
    silentMs: 100,
    silent: false,
    grade: 'good' as const,
    measuredGrade: 'good' as const,
  },
};

describe('PrometheusMetrics', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maps counts and observations to counters and histograms with their labels', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.count('messages_in_total', { kind: 'hello' });
    metrics.count('bytes_in_total', { kind: 'hello' }, 120);
    metrics.count('bad_input_total', { code: 'RATE_LIMITED' }, 2);
    metrics.observe('rtt_ms', 30);
    metrics.observe('rtt_ms', 300);
    metrics.observe('tick_duration_ms', 7, { room_type: 'arena' });
    const families = parsePrometheusText(await metrics.render());
    expect(families.get('vehikill_messages_in_total')?.type).toBe('counter');
    expect(sampleValue(families, 'vehikill_messages_in_total', { kind: 'hello' })).toBe(1);
    expect(sampleValue(families, 'vehikill_bytes_in_total', { kind: 'hello' })).toBe(120);
    expect(sampleValue(families, 'vehikill_bad_input_total', { code: 'RATE_LIMITED' })).toBe(2);
    expect(families.get('vehikill_rtt_ms')?.type).toBe('histogram');
    expect(sampleValue(families, 'vehikill_rtt_ms_count')).toBe(2);
    expect(sampleValue(families, 'vehikill_rtt_ms_bucket', { le: '40' })).toBe(1);
    expect(sampleValue(families, 'vehikill_rtt_ms_bucket', { le: '+Inf' })).toBe(2);
    expect(sampleValue(families, 'vehikill_tick_duration_ms_sum', { room_type: 'arena' })).toBe(7);
    // Declared up front: a scrape shows them at zero before anything happened.
    expect(families.has('vehikill_link_jitter_ms')).toBe(true);
    expect(families.has('vehikill_link_loss_ratio')).toBe(true);
    expect(families.has('vehikill_resumes_total')).toBe(true);
  });

  it('reads gauges from the server when scraped', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const players: PlayerStats[] = [
      { ...base, playerId: 'a', roomId: 'r1', serverLink: 'direct' },
      { ...base, playerId: 'b', roomId: 'r1', serverLink: 'relayed' },
      { ...base, playerId: 'c', roomId: undefined, serverLink: 'relayed' },
    ];
    const release = metrics.collectFrom(fakeStats(players));
    const families = parsePrometheusText(await metrics.render());
    expect(sampleValue(families, 'vehikill_rooms')).toBe(1);
    expect(sampleValue(families, 'vehikill_players')).toBe(2);
    expect(sampleValue(families, 'vehikill_connections')).toBe(3);
    expect(sampleValue(families, 'vehikill_server_links', { path: 'udp' })).toBe(1);
    expect(sampleValue(families, 'vehikill_server_links', { path: 'tcp' })).toBe(2);
    release();
  });

  it('sets the gauges the server sets as things change, at 0 before the first', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    expect(parsePrometheusText(await metrics.render()).get('vehikill_node_subscriptions_down')?.type).toBe(
      'gauge',
    );
    metrics.gauge('node_subscriptions_down', 2);
    expect(sampleValue(parsePrometheusText(await metrics.render()), 'vehikill_node_subscriptions_down')).toBe(
      2,
    );
    metrics.gauge('node_subscriptions_down', 0);
    metrics.gauge('node_subscriptions_down', Number.NaN);
    expect(sampleValue(parsePrometheusText(await metrics.render()), 'vehikill_node_subscriptions_down')).toBe(
      0,
    );
  });

  it('keeps two sinks apart, adopts an app metric, and never throws on a misfit', async () => {
    const one = new PrometheusMetrics({ processMetrics: false });
    const two = new PrometheusMetrics({ processMetrics: false });
    one.count('connections_total');
    one.count('app_matches_total', { mode: 'ffa' });
    one.count('app_matches_total', { other: 'label' }); // different labels: dropped with a warning
    one.count('bad name!');
    const first = parsePrometheusText(await one.render());
    const second = parsePrometheusText(await two.render());
    expect(sampleValue(first, 'vehikill_connections_total')).toBe(1);
    expect(sampleValue(second, 'vehikill_connections_total')).toBe(0);
    expect(sampleValue(first, 'vehikill_app_matches_total', { mode: 'ffa' })).toBe(1);
  });

  it("never throws out of count or observe for an app's metric that Prometheus cannot take", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const metrics = new PrometheusMetrics();
    // A Room.count with a label name Prometheus refuses, a name the sink's gauges or Node's process
    // metrics already hold, a histogram labelled `le`: each threw out of the app's handler or tick.
    expect(() => metrics.count('app_modes_total', { 'game-mode': 'ffa' })).not.toThrow();
    expect(() => metrics.count('rooms')).not.toThrow();
    expect(() => metrics.count('process_cpu_seconds_total')).not.toThrow();
    expect(() => metrics.observe('app_lap_ms', 3, { le: 'x' })).not.toThrow();
    expect(() => metrics.count('app_modes_total', { 'game-mode': 'ffa' })).not.toThrow();
    // Told once each, by name.
    expect(warn.mock.calls.filter((call) => String(call[0]).includes("'app_modes_total'"))).toHaveLength(1);
    const families = parsePrometheusText(await metrics.render());
    expect(families.get('vehikill_rooms')?.type).toBe('gauge');
  });

  it('keeps a counter whole when counted by NaN, Infinity or a negative amount', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.count('connections_total', undefined, 2);
    // A Room.count(name, labels, damage) with damage undefined * 2: NaN stuck in the counter for good
    // (rendered `Nan`, and every rate() of it NaN).
    metrics.count('connections_total', undefined, Number.NaN);
    metrics.count('connections_total', undefined, Number.POSITIVE_INFINITY);
    metrics.count('connections_total', undefined, -1);
    metrics.count('connections_total');
    // Said once, not per call: a count made per frame or tick must not flood the log.
    expect(warn).toHaveBeenCalledTimes(1);
    const text = await metrics.render();
    expect(text).not.toMatch(/^vehikill_connections_total (nan|[+-]?inf)/im);
    expect(sampleValue(parsePrometheusText(text), 'vehikill_connections_total')).toBe(3);
  });

  it('includes event-loop lag with the process metrics', async () => {
    const metrics = new PrometheusMetrics();
    const families = parsePrometheusText(await metrics.render());
    expect(families.has('vehikill_nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });
});
