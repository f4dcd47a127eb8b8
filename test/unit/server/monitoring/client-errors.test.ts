import { ClientErrors, CountingMetrics, HISTORY_SERIES } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { sampleSeries } from '../../../../src/server/monitoring/history-series.js';
import type { MetricsWindow } from '../../../../src/server/monitoring/metrics-tap.js';
import type { ServerStats } from '../../../../src/server/monitoring/server-stats.js';

const NO_STATS: ServerStats = { connections: 0, sessions: 0, rooms: () => [], players: () => [] };

function windowOf(counts: Record<string, number>): MetricsWindow {
  return { counts: new Map(Object.entries(counts)), observations: new Map() };
}

describe('ClientErrors', () => {
  it('counts every error in the metrics, and each source once until the next take', () => {
    const metrics = new CountingMetrics();
    const errors = new ClientErrors(metrics);
    for (let i = 0; i < 50; i++) errors.count('bad_input_total', { code: 'BAD_FRAME' }, '203.0.113.7');
    errors.count('socket_errors_total', { code: 'WS_ERR_INVALID_OPCODE' }, '203.0.113.7');
    errors.count('resume_failures_total', { code: 'SESSION_EXPIRED' }, '2001:db8::/64');
    expect(metrics.total('bad_input_total', { code: 'BAD_FRAME' })).toBe(50);
    expect(metrics.total('socket_errors_total')).toBe(1);
    expect(metrics.total('resume_failures_total')).toBe(1);
    expect(errors.takeSources()).toBe(2);
    // A new second: nobody has erred in it yet; the same source counts again once it does.
    expect(errors.takeSources()).toBe(0);
    errors.count('bad_input_total', { code: 'BAD_FRAME' }, '203.0.113.7');
    expect(errors.takeSources()).toBe(1);
  });

  it('tells at most maxSources apart in a second (a floor), and still counts every error', () => {
    const metrics = new CountingMetrics();
    const errors = new ClientErrors(metrics, 3);
    for (let i = 0; i < 1_000; i++) errors.count('bad_input_total', { code: 'BAD_FRAME' }, `198.51.100.${i}`);
    expect(errors.takeSources()).toBe(3);
    expect(metrics.total('bad_input_total')).toBe(1_000);
    // Emptied: the next second has room for as many again.
    for (const source of ['a', 'b', 'c', 'd']) errors.count('bad_input_total', { code: 'X' }, source);
    expect(errors.takeSources()).toBe(3);
    expect(() => new ClientErrors(metrics, 0)).toThrow(TypeError);
  });
});

describe('the error series', () => {
  it('errors_per_s counts every error; error_sources_per_s the server faults in full and each client source once', () => {
    const window = windowOf({
      bad_input_total: 40,
      socket_errors_total: 3,
      resume_failures_total: 2,
      internal_errors_total: 4,
      room_hook_errors_total: 1,
      // Not an error: in neither.
      resumes_total: 9,
    });
    const point = sampleSeries(NO_STATS, window, 1_000, Number.NaN, 2);
    expect(point.errors_per_s).toBe(50);
    expect(point.error_sources_per_s).toBe(4 + 1 + 2);
    // Rates, as every other series: a late sample two seconds after the last halves them.
    const late = sampleSeries(NO_STATS, window, 2_000, Number.NaN, 2);
    expect(late.error_sources_per_s).toBe(3.5);
    expect(HISTORY_SERIES).toContain('error_sources_per_s');
    expect(HISTORY_SERIES).toContain('errors_per_s');
  });

  it("counts a room request's handlers written off as hung by source, not in full", () => {
    // A handler still running a minute past its deadline is the app's bug; but an app whose handler waits
    // on one client hangs for every request that client sends: one client must not raise the alert alone.
    const metrics = new CountingMetrics();
    const errors = new ClientErrors(metrics);
    for (let i = 0; i < 6; i++) errors.count('room_request_handlers_hung_total', undefined, '203.0.113.7');
    expect(metrics.total('room_request_handlers_hung_total')).toBe(6);
    const window = windowOf({ room_request_handlers_hung_total: 6, room_requests_overdue_total: 5 });
    const point = sampleSeries(NO_STATS, window, 1_000, Number.NaN, errors.takeSources());
    // The overdue refusals are in neither: an honest client whose requests met slow handlers gets them too.
    expect(point.error_sources_per_s).toBe(1);
    expect(point.errors_per_s).toBe(6);
  });
});
