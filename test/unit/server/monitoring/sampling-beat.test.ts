import {
  type Cancel,
  type Clock,
  ManualClock,
  ServerMonitoring,
  type ServerStats,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';

/** A clock whose timers run `lateMs` after they are due, as Node's do (more so on a busy event loop). */
class LateClock implements Clock {
  readonly inner = new ManualClock(1_700_000_000_000);
  constructor(readonly lateMs: number) {}
  now(): number {
    return this.inner.now();
  }
  setTimeout(callback: () => void, delayMs: number): Cancel {
    return this.inner.setTimeout(callback, delayMs + this.lateMs);
  }
}

const stats: ServerStats = { connections: 3, sessions: 0, rooms: () => [], players: () => [] };

let monitoring: ServerMonitoring | undefined;
afterEach(async () => {
  await monitoring?.close();
  monitoring = undefined;
});

function monitoringOn(clock: Clock): ServerMonitoring {
  return new ServerMonitoring({
    sink: { count() {}, observe() {} },
    clock,
    nodeId: 'n1',
    secure: false,
    trustProxy: 0,
    options: { analytics: false, alerts: { defaults: false } },
  });
}

describe('the once-a-second sample', () => {
  it('fills every second although its timer runs a little late each time', async () => {
    // 3 ms late a time: a sample re-armed from when it ran slips a whole second every 333, and that
    // second is a gap in every series, which an alert with a forMs window reads as "did not hold".
    const clock = new LateClock(3);
    monitoring = monitoringOn(clock);
    await monitoring.start(stats);
    clock.inner.advance(400_000);
    const connections = monitoring.history.last('connections', 390);
    expect(connections).toHaveLength(390);
    expect(connections.filter((value) => value !== 3)).toEqual([]);
  });

  it('leaves a gap for seconds the event loop stalled past, and goes on each second after', async () => {
    const clock = new LateClock(2_500);
    monitoring = monitoringOn(clock);
    await monitoring.start(stats);
    clock.inner.advance(20_000);
    const values = monitoring.history.last('connections', 12);
    // Stalled 2.5 s each time: one point in every three seconds, the others honest gaps, never two
    // points in one second or a run of time squeezed.
    expect(values.filter((value) => value === 3).length).toBeGreaterThanOrEqual(3);
    expect(values.some((value) => Number.isNaN(value))).toBe(true);
  });
});
