import {
  type AlertEvent,
  AlertRules,
  defaultAlertRules,
  HISTORY_SERIES,
  MetricsHistory,
} from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { sampleSeries } from '../../../../src/server/monitoring/history-series.js';
import type { ServerStats } from '../../../../src/server/monitoring/server-stats.js';

const T0 = 1_700_000_000_000;

/** Feeds `values` one per second into a history and evaluates the rules after each; returns the events. */
function run(rules: AlertRules, history: MetricsHistory, start: number, values: number[]): AlertEvent[][] {
  return values.map((value, i) => {
    const now = start + i * 1_000;
    history.record(now, Number.isNaN(value) ? {} : { loss: value });
    return rules.evaluate(history, now);
  });
}

describe('AlertRules', () => {
  const rule = {
    name: 'loss',
    series: 'loss',
    condition: 'above' as const,
    threshold: 0.05,
    forMs: 3_000,
    clearAfterMs: 2_000,
    clearThreshold: 0.03,
  };

  it('fires only once the condition held for its whole `for` window, and says so once', () => {
    const rules = new AlertRules({ rules: [rule], series: ['loss'] });
    const history = new MetricsHistory({ series: ['loss'] });
    const events = run(rules, history, T0, [0.1, 0.1, 0.01, 0.1, 0.1, 0.2, 0.2, 0.2]);
    const fired = events.map((list) => list.map((event) => event.type).join(','));
    // One dip resets the window: it fires at the third consecutive point (index 5), not before or again.
    expect(fired).toEqual(['', '', '', '', '', 'fired', '', '']);
    expect(rules.active).toHaveLength(1);
    expect(rules.active[0]).toMatchObject({ rule: 'loss', value: 0.2, firedAt: T0 + 5_000 });
  });

  it('clears only after `clearAfter` below the clear threshold (hysteresis), then lists it as past', () => {
    const rules = new AlertRules({ rules: [rule], series: ['loss'] });
    const history = new MetricsHistory({ series: ['loss'] });
    run(rules, history, T0, [0.1, 0.1, 0.1]);
    expect(rules.active).toHaveLength(1);
    // 0.04 is under the threshold but above the clear threshold: still firing.
    const wobble = run(rules, history, T0 + 3_000, [0.04, 0.04, 0.04, 0.04]);
    expect(wobble.flat()).toEqual([]);
    const calm = run(rules, history, T0 + 7_000, [0.01, 0.01, 0.01]);
    expect(calm.map((list) => list.map((event) => event.type).join(','))).toEqual(['', 'cleared', '']);
    expect(rules.active).toEqual([]);
    expect(rules.past).toEqual([
      expect.objectContaining({ rule: 'loss', firedAt: T0 + 2_000, clearedAt: T0 + 8_000 }),
    ]);
    // It can fire again later.
    const again = run(rules, history, T0 + 10_000, [0.3, 0.3, 0.3]);
    expect(again.flat().map((event) => event.type)).toEqual(['fired']);
  });

  it('does not count seconds without data as holding', () => {
    const below = new AlertRules({
      rules: [{ name: 'empty', series: 'loss', condition: 'below', threshold: 1, forMs: 2_000 }],
      series: ['loss'],
    });
    const history = new MetricsHistory({ series: ['loss'] });
    expect(run(below, history, T0, [Number.NaN, Number.NaN, Number.NaN]).flat()).toEqual([]);
    expect(
      run(below, history, T0 + 3_000, [0.5, 0.5])
        .flat()
        .map((e) => e.type),
    ).toEqual(['fired']);
  });

  it('refuses rules that cannot work', () => {
    const series = ['loss'];
    expect(() => new AlertRules({ rules: [rule, rule], series })).toThrow(TypeError);
    expect(() => new AlertRules({ rules: [{ ...rule, threshold: Number.NaN }], series })).toThrow(TypeError);
  });

  it('refuses a clearThreshold that is not finite: no value would hold against it, so the alert would flap', () => {
    const series = ['loss'];
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => new AlertRules({ rules: [{ ...rule, clearThreshold: bad }], series })).toThrow(
        /'loss'.*clearThreshold/,
      );
    }
  });

  it('refuses a clearThreshold on the firing side of the threshold: a value between them would flap', () => {
    const series = ['loss'];
    expect(() => new AlertRules({ rules: [{ ...rule, clearThreshold: 0.08 }], series })).toThrow(
      /'loss'.*clearThreshold 0\.08 must be at most the threshold 0\.05/,
    );
    const below = { ...rule, condition: 'below' as const, threshold: 10, clearThreshold: 5 };
    expect(() => new AlertRules({ rules: [below], series })).toThrow(/at least the threshold 10/);
    // On the clearing side, or equal, it is hysteresis.
    expect(() => new AlertRules({ rules: [{ ...below, clearThreshold: 10 }], series })).not.toThrow();
    expect(() => new AlertRules({ rules: [{ ...rule, clearThreshold: 0.05 }], series })).not.toThrow();
  });

  it("refuses a rule whose series is not the history's, naming the rule and the series allowed", () => {
    const typo = { ...rule, name: 'typo', series: 'errors_per_sec' };
    // By default the series are the server's history's.
    expect(() => new AlertRules({ rules: [typo] })).toThrow(TypeError);
    expect(() => new AlertRules({ rules: [typo] })).toThrow(/'typo'.*'errors_per_sec'.*errors_per_s, /);
    expect(() => new AlertRules({ rules: [{ ...typo, series: 'errors_per_s' }] })).not.toThrow();
    expect(() => new AlertRules({ rules: [rule], series: ['a', 'b'] })).toThrow(/'loss'.* a, b$/);
    // A rule with a series the history lacks would never fire: the history answers it with nothing.
    expect(() => new AlertRules({ rules: [rule] })).toThrow(TypeError);
  });

  it('refuses forMs and clearAfterMs that are negative or not finite, naming the rule', () => {
    const series = ['loss'];
    for (const bad of [-5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new AlertRules({ rules: [{ ...rule, forMs: bad }], series })).toThrow(TypeError);
      expect(() => new AlertRules({ rules: [{ ...rule, forMs: bad }], series })).toThrow(/'loss'.*forMs/);
      expect(() => new AlertRules({ rules: [{ ...rule, clearAfterMs: bad }], series })).toThrow(TypeError);
      expect(() => new AlertRules({ rules: [{ ...rule, clearAfterMs: bad }], series })).toThrow(
        /'loss'.*clearAfterMs/,
      );
    }
    expect(() => new AlertRules({ rules: [{ ...rule, forMs: 0, clearAfterMs: 0 }], series })).not.toThrow();
  });
});

describe('the built-in error-spike rule', () => {
  it('watches error sources, not the raw count: one source flooding does not fire it, six sources do', () => {
    const rules = new AlertRules({ rules: defaultAlertRules() });
    const history = new MetricsHistory({ series: ['errors_per_s', 'error_sources_per_s'] });
    const feed = (start: number, sources: number, seconds: number) =>
      Array.from({ length: seconds }, (_, i) => {
        const now = start + i * 1_000;
        history.record(now, { errors_per_s: 200, error_sources_per_s: sources });
        return rules.evaluate(history, now);
      }).flat();
    // 200 bad frames a second from one address, refused by the server: no page.
    expect(feed(T0, 1, 5)).toEqual([]);
    const fired = feed(T0 + 5_000, 6, 3);
    expect(fired.map((event) => [event.type, event.alert.rule, event.alert.series])).toEqual([
      ['fired', 'error-spike', 'error_sources_per_s'],
    ]);
  });
});

describe('the built-in packet-loss alert', () => {
  const stats: ServerStats = { connections: 0, sessions: 0, rooms: () => [], players: () => [] };
  /** Whether the default rules page packet loss after 15 s of these links' loss shares. */
  function pagesFor(...losses: number[]): boolean {
    const rules = new AlertRules({ rules: defaultAlertRules() });
    const history = new MetricsHistory({ series: HISTORY_SERIES });
    const window = { counts: new Map(), observations: new Map([['link_loss_ratio', losses]]) };
    let fired = false;
    for (let second = 0; second < 15; second++) {
      const now = T0 + second * 1_000;
      history.record(now, sampleSeries(stats, window, 1_000, 0, 0));
      fired ||= rules.evaluate(history, now).some((event) => event.alert.rule === 'packet-loss');
    }
    return fired;
  }

  it("pages when half the players' links lose packets: the server's network", () => {
    expect(pagesFor(0.2, 0.2, 0)).toBe(true);
    expect(pagesFor(0.08, 0.1)).toBe(true);
  });

  it("does not page for one player's bad connection on a small node", () => {
    // The mean of these is 10 %, past the 5 % bound: one home connection, or one client reporting
    // absurd loss, is no page.
    expect(pagesFor(0, 0.2)).toBe(false);
    expect(pagesFor(0, 0, 1)).toBe(false);
  });
});
