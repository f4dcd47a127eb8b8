import { AnonymousAnalytics, type PlayerStats, RotatingSalt } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

const DAY = 86_400_000;
const T0 = 20_000 * DAY; // midnight UTC

function player(playerId: string, patch: Partial<PlayerStats> = {}): PlayerStats {
  return {
    playerId,
    name: 'Guest',
    roomId: 'room-1',
    away: false,
    rttMs: 40,
    serverLink: 'direct',
    connection: 1,
    quality: unmeasured,
    ...patch,
  };
}

/** A server link whose quality monitor has measured nothing yet: grades come from the heartbeat RTT. */
const unmeasured: PlayerStats['quality'] = {
  rttMs: Number.NaN,
  jitterMs: Number.NaN,
  lossUp: Number.NaN,
  lossDown: Number.NaN,
  kbpsIn: 0,
  kbpsOut: 0,
  silentMs: Number.NaN,
  silent: false,
  grade: 'good',
  measuredGrade: 'good',
};

describe('RotatingSalt', () => {
  it('hashes an id the same way within a period and differently after the salt rotates', () => {
    const salt = new RotatingSalt(DAY);
    const morning = salt.hash('player-1', T0 + 1_000);
    expect(salt.hash('player-1', T0 + DAY - 1)).toBe(morning);
    expect(salt.hash('player-2', T0 + 1_000)).not.toBe(morning);
    expect(salt.hash('player-1', T0 + DAY)).not.toBe(morning);
    expect(morning).toMatch(/^[0-9a-f]{16}$/);
    // Another process (another salt) cannot reproduce it.
    expect(new RotatingSalt(DAY).hash('player-1', T0 + 1_000)).not.toBe(morning);
  });
});

describe('AnonymousAnalytics', () => {
  it('aggregates session length, link types, quality and reconnects', () => {
    const analytics = new AnonymousAnalytics();
    for (let s = 0; s < 45; s++) {
      const now = T0 + s * 1_000;
      const players = [player('a', { rttMs: 30, connection: s < 10 ? 1 : s < 20 ? 2 : 3 })];
      if (s < 5) players.push(player('b', { rttMs: 150, serverLink: 'relayed' }));
      analytics.observe(players, now);
    }
    analytics.observe([], T0 + 45_000);
    const report = analytics.report(T0 + 45_000);
    expect(report.sessions).toEqual({ active: 0, ended: 2, optedOut: 0 });
    expect(report.linkTypes).toEqual({ direct: 1, relayed: 1 });
    expect(report.reconnects).toEqual({ '0': 1, '1': 0, '2': 1, '3+': 0 });
    expect(report.quality).toEqual({ good: 45, fair: 5, poor: 0 });
    // b lasted 5 s (<= 30 s), a 45 s (<= 60 s).
    expect(report.sessionLength.slice(0, 2)).toEqual([
      { le: 30, count: 1 },
      { le: 60, count: 1 },
    ]);
    expect(report.recent.map((r) => [r.lengthMs, r.reconnects, r.link, r.quality])).toEqual([
      [45_000, 2, 'direct', 'good'],
      [5_000, 0, 'relayed', 'fair'],
    ]);
  });

  it('never puts a raw player id or an address in its report, even when ids look like addresses', () => {
    const analytics = new AnonymousAnalytics();
    const ids = ['203.0.113.7', '2001:db8::1', 'player-visible-id'];
    analytics.observe(
      ids.map((id) => player(id)),
      T0,
    );
    analytics.observe([], T0 + 2_000);
    const text = JSON.stringify(analytics.report(T0 + 2_000));
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/);
    const hashes = analytics.report(T0 + 2_000).recent.map((r) => r.player);
    expect(new Set(hashes).size).toBe(3);
  });

  it('drops a player who opts out, now and for the rest of their session', () => {
    const analytics = new AnonymousAnalytics();
    analytics.observe([player('a'), player('b')], T0);
    analytics.optOut('a');
    analytics.observe([player('a'), player('b')], T0 + 1_000);
    expect(analytics.report(T0 + 1_000).sessions).toEqual({ active: 1, ended: 0, optedOut: 1 });
    analytics.observe([], T0 + 2_000);
    const report = analytics.report(T0 + 2_000);
    expect(report.sessions).toEqual({ active: 0, ended: 1, optedOut: 0 });
    expect(report.quality.good).toBe(2); // b's two samples only
  });

  it('takes a recorded grade over the RTT guess', () => {
    const analytics = new AnonymousAnalytics();
    analytics.observe([player('a')], T0);
    analytics.recordQuality('a', 'poor');
    analytics.observe([player('a')], T0 + 1_000);
    expect(analytics.report(T0 + 1_000).quality).toEqual({ good: 1, fair: 0, poor: 1 });
  });

  it("takes the server link's measured grade once its quality monitor has one", () => {
    const analytics = new AnonymousAnalytics();
    const measured = { ...unmeasured, rttMs: 40, jitterMs: 60, grade: 'poor' as const };
    analytics.observe([player('a', { rttMs: 40, quality: measured })], T0);
    expect(analytics.report(T0).quality).toEqual({ good: 0, fair: 0, poor: 1 });
  });
});

describe('AnonymousAnalytics options', () => {
  it('refuses a recentSessions that is no count at construction, not at the first session that ends', () => {
    for (const recentSessions of [-1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new AnonymousAnalytics({ recentSessions }), String(recentSessions)).toThrow(TypeError);
    }
  });

  it('keeps no ended session with recentSessions 0, and still counts them', () => {
    const analytics = new AnonymousAnalytics({ recentSessions: 0 });
    analytics.observe([player('a')], T0);
    analytics.observe([], T0 + 1_000);
    const report = analytics.report(T0 + 1_000);
    expect(report.sessions.ended).toBe(1);
    expect(report.recent).toEqual([]);
  });
});
