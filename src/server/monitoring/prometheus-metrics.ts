import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Disposer } from '../../common/index.js';
import type { MetricsSink } from '../metrics.js';
import { DEFAULT_BUCKETS, type MetricSpec, metricCatalog } from './metric-catalog.js';
import { countServerLinks, type ServerStats } from './server-stats.js';

type Labels = Readonly<Record<string, string>>;

/** A sink the server can serve at `metricsPath`: it renders itself as Prometheus text. */
export interface PrometheusRenderer {
  readonly contentType: string;
  render(): Promise<string>;
}

/** A sink that wants the server's live counts (rooms, players, links) for its gauges. */
export interface ServerStatsConsumer {
  collectFrom(stats: ServerStats): Disposer;
}

export function rendersPrometheus(sink: MetricsSink): sink is MetricsSink & PrometheusRenderer {
  return typeof (sink as Partial<PrometheusRenderer>).render === 'function';
}

export function consumesServerStats(sink: MetricsSink): sink is MetricsSink & ServerStatsConsumer {
  return typeof (sink as Partial<ServerStatsConsumer>).collectFrom === 'function';
}

export interface PrometheusMetricsOptions {
  /** Prepended to every name. Default 'vehikill_'. */
  prefix?: string;
  /** Also collect Node's process metrics (CPU, memory, GC, event-loop lag). Default true. */
  processMetrics?: boolean;
  /** Labels added to every series (e.g. `{ node: 'eu-1' }`). */
  defaultLabels?: Labels;
}

/**
 * MetricsSink for Prometheus (prom-client), on a registry of its own: two servers in one process never
 * mix their numbers. Counters, histograms and set gauges (`gauge`) follow the metric catalogue; gauges of
 * the server's counts (rooms, players, connections, server links by path) are read from it when scraped.
 */
export class PrometheusMetrics implements MetricsSink, PrometheusRenderer, ServerStatsConsumer {
  readonly registry = new Registry();
  readonly #prefix: string;
  readonly #counters = new Map<string, Counter>();
  readonly #histograms = new Map<string, Histogram>();
  readonly #gauges = new Map<string, Gauge>();
  readonly #misfits = new Set<string>();
  readonly #warned = new Set<string>();
  #stats: ServerStats | undefined;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.#prefix = options.prefix ?? 'vehikill_';
    if (options.defaultLabels) this.registry.setDefaultLabels({ ...options.defaultLabels });
    for (const [name, spec] of Object.entries(metricCatalog)) this.#declare(name, spec);
    this.#declareGauges();
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: this.#prefix });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  count(name: string, labels?: Labels, by = 1): void {
    // prom-client adds NaN or Infinity in, where it stays for the life of the process (rendered `Nan`,
    // every rate() of it NaN); a negative amount it refuses.
    if (!(Number.isFinite(by) && by >= 0)) {
      this.#warnOnce(`${name} by`, `metric '${name}' counted by ${by} (not finite, or negative): ignored`);
      return;
    }
    const counter =
      this.#counters.get(name) ??
      this.#adopt(name, { type: 'counter', help: name, labelNames: keys(labels) });
    if (counter instanceof Counter) this.#safely(name, () => counter.inc(labels ?? {}, by));
  }

  observe(name: string, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return;
    const histogram =
      this.#histograms.get(name) ??
      this.#adopt(name, {
        type: 'histogram',
        help: name,
        labelNames: keys(labels),
        buckets: DEFAULT_BUCKETS,
      });
    if (histogram instanceof Histogram) this.#safely(name, () => histogram.observe(labels ?? {}, value));
  }

  gauge(name: string, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return;
    const gauge =
      this.#gauges.get(name) ?? this.#adopt(name, { type: 'gauge', help: name, labelNames: keys(labels) });
    if (gauge instanceof Gauge) this.#safely(name, () => gauge.set(labels ?? {}, value));
  }

  collectFrom(stats: ServerStats): Disposer {
    this.#stats = stats;
    return () => {
      if (this.#stats === stats) this.#stats = undefined;
    };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  #declare(name: string, spec: MetricSpec): Counter | Histogram | Gauge {
    const common = {
      name: this.#prefix + name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [this.registry],
    };
    if (spec.type === 'counter') {
      const counter = new Counter(common);
      this.#counters.set(name, counter);
      return counter;
    }
    if (spec.type === 'gauge') {
      const gauge = new Gauge(common);
      this.#gauges.set(name, gauge);
      return gauge;
    }
    const histogram = new Histogram({ ...common, buckets: [...spec.buckets] });
    this.#histograms.set(name, histogram);
    return histogram;
  }

  /** A name outside the catalogue (an app's own): declared on first use, with the labels it came with. */
  #adopt(name: string, spec: MetricSpec): Counter | Histogram | Gauge | undefined {
    if (this.#misfits.has(name)) return undefined;
    const taken = this.#counters.has(name) || this.#histograms.has(name) || this.#gauges.has(name);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || taken) {
      this.#misfit(name, 'is not a valid Prometheus name, or is reported as two kinds of metric');
      return undefined;
    }
    // prom-client throws on what it cannot take (a label name such as `game-mode`, `le` on a histogram,
    // a name a gauge or a process metric holds): from an app's Room.count, out of its handler or tick.
    try {
      return this.#declare(name, spec);
    } catch (error) {
      this.#misfit(name, error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }

  #declareGauges(): void {
    const gauge = (name: string, help: string, read: (stats: ServerStats) => number) => {
      // `collect` runs at scrape time, after `metric` is assigned.
      const metric: Gauge = new Gauge({
        name: this.#prefix + name,
        help,
        registers: [this.registry],
        collect: () => {
          if (this.#stats) metric.set(read(this.#stats));
        },
      });
    };
    gauge('rooms', 'Rooms running on this node', (s) => s.rooms().length);
    gauge('players', 'Players seated in rooms on this node', (s) =>
      s.players().reduce((n, p) => n + (p.roomId === undefined ? 0 : 1), 0),
    );
    gauge('sessions', 'Live sessions (connected or within their grace period)', (s) => s.sessions);
    gauge('connections', 'Open WebSockets', (s) => s.connections);
    const links: Gauge = new Gauge({
      name: `${this.#prefix}server_links`,
      help: 'Players links to this server by path: udp (direct datagrams) or tcp (over the WebSocket)',
      labelNames: ['path'],
      registers: [this.registry],
      collect: () => {
        if (!this.#stats) return;
        const { udp, tcp } = countServerLinks(this.#stats.players());
        links.set({ path: 'udp' }, udp);
        links.set({ path: 'tcp' }, tcp);
      },
    });
  }

  #safely(name: string, record: () => void): void {
    try {
      record();
    } catch (error) {
      this.#misfit(name, error instanceof Error ? error.message : String(error));
    }
  }

  /** A metric the sink cannot record is reported once, then ignored: metrics must never break the server. */
  #misfit(name: string, why: string): void {
    if (this.#misfits.has(name)) return;
    this.#misfits.add(name);
    console.warn(`vehikill-net: metric '${name}' is not exported to Prometheus: ${why}`);
  }

  /** Said once per `key`: a call made on every frame or tick must not flood the log. */
  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    console.warn(`vehikill-net: ${message}`);
  }
}

function keys(labels: Labels | undefined): string[] {
  return labels ? Object.keys(labels).sort() : [];
}
