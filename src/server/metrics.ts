/**
 * Where the server reports what it counts. Narrow on purpose: a Prometheus sink plugs in here later.
 * Names are snake_case; labels are small closed sets (an error code, a message kind), never player ids.
 */
export interface MetricsSink {
  count(name: string, labels?: Readonly<Record<string, string>>, by?: number): void;
  observe(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
  /**
   * Sets a gauge: a value that goes up and down with what holds now (`node_subscriptions_down`). Optional:
   * a sink without it has none of these gauges (those read from the server at scrape time aside).
   */
  gauge?(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
}

/** The default sink: keeps totals in memory so tests and the dashboard can read them. */
export class CountingMetrics implements MetricsSink {
  readonly #counters = new Map<string, number>();
  readonly #last = new Map<string, number>();
  readonly #gauges = new Map<string, number>();

  count(name: string, labels?: Readonly<Record<string, string>>, by = 1): void {
    const key = keyOf(name, labels);
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + by);
  }

  observe(name: string, value: number, labels?: Readonly<Record<string, string>>): void {
    this.#last.set(keyOf(name, labels), value);
  }

  gauge(name: string, value: number, labels?: Readonly<Record<string, string>>): void {
    this.#gauges.set(keyOf(name, labels), value);
  }

  /** A gauge's value now (0 before it is first set), summed over labels unless `labels` narrows it. */
  current(name: string, labels?: Readonly<Record<string, string>>): number {
    return sumOf(this.#gauges, name, labels);
  }

  /** Total for a name, summed over labels unless `labels` narrows it. */
  total(name: string, labels?: Readonly<Record<string, string>>): number {
    return sumOf(this.#counters, name, labels);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counters);
  }
}

/** The value of `name` with `labels` in `values`, or its values with any labels summed. */
function sumOf(
  values: ReadonlyMap<string, number>,
  name: string,
  labels?: Readonly<Record<string, string>>,
): number {
  if (labels) return values.get(keyOf(name, labels)) ?? 0;
  let sum = 0;
  for (const [key, value] of values) {
    if (key === name || key.startsWith(`${name}{`)) sum += value;
  }
  return sum;
}

function keyOf(name: string, labels?: Readonly<Record<string, string>>): string {
  if (!labels) return name;
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`);
  return `${name}{${parts.join(',')}}`;
}
