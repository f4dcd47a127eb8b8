import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Row {
  workload: string;
  system: string;
  metric: string;
  value: number;
  unit: string;
}

/** Rows of one workload and system: `row(metric, value, unit)`. */
export function rowsFor(
  workload: string,
  system: string,
): (metric: string, value: number, unit: string) => Row {
  return (metric, value, unit) => ({ workload, system, metric, value, unit });
}

/** Prints rows as a table and writes them to bench/results/latest.json (next to the sources). */
export function report(rows: readonly Row[]): string {
  const header = ['workload', 'system', 'metric', 'value', 'unit'];
  const cells = rows.map((row) => [row.workload, row.system, row.metric, formatValue(row.value), row.unit]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((cell) => cell[i]?.length ?? 0)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const table = [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
  console.log(table);
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled to dist/bench: write into the source tree's bench/results either way.
  const resultsDir = here.includes(`${join('dist', 'bench')}`)
    ? join(here, '..', '..', 'bench', 'results')
    : join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
  );
  return table;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
