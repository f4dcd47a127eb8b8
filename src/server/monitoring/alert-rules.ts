import { HISTORY_SERIES } from './history-series.js';
import type { MetricsHistory } from './metrics-history.js';

/** A threshold on one history series. */
export interface AlertRule {
  /** Unique; shown in logs, the webhook and the dashboard. */
  name: string;
  /** A history series (see HISTORY_SERIES). */
  series: string;
  condition: 'above' | 'below';
  threshold: number;
  /** The condition must hold at every second for this long (ms) before the alert fires. Default 0: one point. */
  forMs?: number;
  /** A firing alert clears once the condition has not held for this long (ms). Default 10,000. */
  clearAfterMs?: number;
  /**
   * Hysteresis on the value: a firing alert counts as still holding until the value is past this
   * (below it for 'above', above it for 'below'). Default: `threshold`.
   */
  clearThreshold?: number;
  /** A sentence for humans. */
  description?: string;
}

export interface Alert {
  rule: string;
  series: string;
  condition: 'above' | 'below';
  threshold: number;
  /** The value that made it fire. */
  value: number;
  firedAt: number;
  /** Set once cleared. */
  clearedAt?: number;
  message: string;
}

export type AlertEvent = { type: 'fired' | 'cleared'; alert: Alert };

export interface DefaultAlertOptions {
  /** Tick time budget (ms) that p99 must stay under. Default 33 (a 30 Hz tick). */
  tickBudgetMs?: number;
  /**
   * Packet loss (0..1) tolerated on the median player's link. Default 0.05. The median, not the mean: one
   * player's bad home connection (or a client reporting absurd loss) on a small node moves a mean past
   * any bound, and is no page; half the players losing packets is the server's network.
   */
  lossBound?: number;
  /**
   * Error sources per second that count as a spike (`error_sources_per_s`: each fault of the server's
   * own, and each client address that caused errors or whose room requests' handlers hung, however
   * many). Default 5.
   */
  errorsPerSecond?: number;
}

/**
 * The built-in rules: slow ticks, lossy links (for half the players or more), a burst of errors. The error rule watches sources, not the
 * raw count (`errors_per_s`): one client sending garbage is refused and cut off by the server already,
 * and paging for it would only hide the page that matters; the server's own faults, or errors from many
 * players at once, are that page.
 */
export function defaultAlertRules(options: DefaultAlertOptions = {}): AlertRule[] {
  const budget = options.tickBudgetMs ?? 33;
  const loss = options.lossBound ?? 0.05;
  const errors = options.errorsPerSecond ?? 5;
  return [
    {
      name: 'tick-over-budget',
      series: 'tick_p99_ms',
      condition: 'above',
      threshold: budget,
      forMs: 5_000,
      clearAfterMs: 10_000,
      description: `p99 room tick above ${budget} ms for 5 s`,
    },
    {
      name: 'packet-loss',
      series: 'loss_p50',
      condition: 'above',
      threshold: loss,
      forMs: 10_000,
      clearAfterMs: 30_000,
      description: `median player's packet loss above ${loss * 100} % for 10 s`,
    },
    {
      name: 'error-spike',
      series: 'error_sources_per_s',
      condition: 'above',
      threshold: errors,
      forMs: 3_000,
      clearAfterMs: 30_000,
      description: `more than ${errors} error sources/s (server faults, or clients by address) for 3 s`,
    },
  ];
}

export interface AlertRulesOptions {
  rules: readonly AlertRule[];
  /** Cleared alerts kept for the dashboard, newest first. Default 100. */
  maxPast?: number;
  /**
   * The series a rule may watch: those of the history it is evaluated over. Default HISTORY_SERIES (the
   * server's history); a rule naming any other series could never fire, so it is refused.
   */
  series?: readonly string[];
}

/**
 * Evaluates threshold rules over the history once a second. An alert fires when its condition held at
 * every point of its `forMs` window, and clears when it has held at none of its `clearAfterMs` window:
 * a value wobbling around the threshold neither floods nor flaps. A second without data does not hold.
 */
export class AlertRules {
  readonly #rules: readonly AlertRule[];
  readonly #maxPast: number;
  readonly #active = new Map<string, Alert>();
  readonly #past: Alert[] = [];

  constructor(options: AlertRulesOptions) {
    const names = new Set<string>();
    const series: readonly string[] = options.series ?? HISTORY_SERIES;
    for (const rule of options.rules) {
      if (names.has(rule.name)) throw new TypeError(`two alert rules are named '${rule.name}'`);
      if (rule.condition !== 'above' && rule.condition !== 'below') {
        throw new TypeError(`alert rule '${rule.name}': condition must be 'above' or 'below'`);
      }
      if (!Number.isFinite(rule.threshold))
        throw new TypeError(`alert rule '${rule.name}' needs a finite threshold`);
      // NaN or +-Infinity: the alert would clear whatever the value (and fire again: flapping), or never.
      if (rule.clearThreshold !== undefined && !Number.isFinite(rule.clearThreshold))
        throw new TypeError(
          `alert rule '${rule.name}': clearThreshold must be finite, got ${rule.clearThreshold}`,
        );
      // Past the threshold on the side the alert fires: a value between the two fires it and clears it
      // again every few seconds, as long as it stays there.
      const clear = rule.clearThreshold;
      if (
        clear !== undefined &&
        (rule.condition === 'above' ? clear > rule.threshold : clear < rule.threshold)
      )
        throw new TypeError(
          `alert rule '${rule.name}': clearThreshold ${clear} must be ${rule.condition === 'above' ? 'at most' : 'at least'} ` +
            `the threshold ${rule.threshold} for a rule '${rule.condition}' (it is the value the alert clears past)`,
        );
      if (!series.includes(rule.series)) {
        throw new TypeError(
          `alert rule '${rule.name}': series '${rule.series}' is not one of ${series.join(', ')}`,
        );
      }
      for (const key of ['forMs', 'clearAfterMs'] as const) {
        const ms = rule[key];
        if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) {
          throw new TypeError(
            `alert rule '${rule.name}': ${key} must be a finite number of ms, 0 or more, got ${ms}`,
          );
        }
      }
      names.add(rule.name);
    }
    this.#rules = options.rules;
    this.#maxPast = options.maxPast ?? 100;
  }

  get rules(): readonly AlertRule[] {
    return this.#rules;
  }

  get active(): Alert[] {
    return [...this.#active.values()];
  }

  /** Cleared alerts, newest first. */
  get past(): Alert[] {
    return [...this.#past];
  }

  /** Checks every rule against the history as of `now`; returns what fired and cleared. */
  evaluate(history: MetricsHistory, now: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const rule of this.#rules) {
      const firing = this.#active.get(rule.name);
      if (!firing) {
        const points = Math.max(1, Math.ceil((rule.forMs ?? 0) / 1_000));
        const values = history.last(rule.series, points);
        if (values.length < points || !values.every((value) => holds(rule, value, rule.threshold))) continue;
        const value = values[values.length - 1] ?? Number.NaN;
        const alert: Alert = {
          rule: rule.name,
          series: rule.series,
          condition: rule.condition,
          threshold: rule.threshold,
          value,
          firedAt: now,
          message: `${rule.description ?? rule.name}: ${rule.series} is ${round(value)} (${rule.condition} ${rule.threshold})`,
        };
        this.#active.set(rule.name, alert);
        events.push({ type: 'fired', alert });
        continue;
      }
      const points = Math.max(1, Math.ceil((rule.clearAfterMs ?? 10_000) / 1_000));
      const values = history.last(rule.series, points);
      const stillHolds =
        values.length < points ||
        values.some((value) => holds(rule, value, rule.clearThreshold ?? rule.threshold));
      if (stillHolds) continue;
      const cleared: Alert = { ...firing, clearedAt: now };
      this.#active.delete(rule.name);
      this.#past.unshift(cleared);
      this.#past.length = Math.min(this.#past.length, this.#maxPast);
      events.push({ type: 'cleared', alert: cleared });
    }
    return events;
  }
}

function holds(rule: AlertRule, value: number, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  return rule.condition === 'above' ? value > threshold : value < threshold;
}

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}
