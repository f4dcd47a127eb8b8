import { readFileSync } from 'node:fs';
import { PrometheusMetrics } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

/**
 * docs/operations.md's metrics table against what the Prometheus sink declares: the metric catalogue's
 * counters and histograms, and the gauges read from the server. One metric a row; the labels column
 * names each label in backticks (`path` = udp | tcp gives its values too).
 */

interface Row {
  type: string;
  labels: string[];
}

/** The rows of the table under "### Prometheus at `/metrics`", by metric name. */
function documentedMetrics(): Map<string, Row> {
  const doc = readFileSync('docs/operations.md', 'utf8');
  const start = doc.indexOf('### Prometheus at `/metrics`');
  expect(start).toBeGreaterThan(-1);
  const end = doc.indexOf('\n### ', start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  const rows = new Map<string, Row>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    // Cells split on the table's pipes, not on the escaped ones (`udp \| tcp`).
    const [name, type, labels] = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    const names = [...(name ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
    expect(names, `one metric a row: ${line}`).toHaveLength(1);
    const metric = names[0] as string;
    expect(rows.has(metric), `${metric} listed twice`).toBe(false);
    const labelNames = [...(labels ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
    rows.set(metric, { type: type ?? '', labels: labelNames.sort() });
  }
  return rows;
}

/** What the sink declares without a prefix, by name. */
async function declaredMetrics(): Promise<Map<string, Row>> {
  const sink = new PrometheusMetrics({ prefix: '', processMetrics: false });
  const declared = new Map<string, Row>();
  for (const { name, type } of await sink.registry.getMetricsAsJSON()) {
    // prom-client keeps a metric's label names on the metric, not in its JSON.
    const metric = sink.registry.getSingleMetric(name) as unknown as { labelNames?: string[] };
    declared.set(name, { type: String(type), labels: [...(metric.labelNames ?? [])].sort() });
  }
  return declared;
}

describe("docs/operations.md's metrics table", () => {
  it('lists every metric the server exports, with its type and label names, and nothing else', async () => {
    const documented = documentedMetrics();
    const declared = await declaredMetrics();
    expect(declared.size).toBeGreaterThan(40);
    const sorted = (map: Map<string, Row>) =>
      Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
    expect(sorted(documented)).toEqual(sorted(declared));
  });
});
