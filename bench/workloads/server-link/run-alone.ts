/**
 * Runs the server-link benchmarks alone, without touching bench/results/latest.json:
 *   npm run build && bash scripts/isolated.sh node dist/bench/workloads/server-link/run-alone.js [cpu] [storm] [latency]
 * (all three without arguments). Prints the rows as a table and writes them, with the raw cases, to
 * $BENCH_OUT (default /tmp/server-link-bench-<time>.json).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Row } from '../../results.js';
import { cpuRows, measureServerLinkCpu } from '../server-link-cpu.js';
import { latencyRows, measureServerLinkLatency } from '../server-link-latency.js';
import { measureServerLinkStorm, stormRows } from '../server-link-storm.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
const started = performance.now();
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const conditions: Record<string, unknown> = {
  loadBefore: load(),
  node: process.version,
  commit: git('rev-parse', '--short', 'HEAD'),
  srcChanged: git('status', '--short', 'src'),
};
const raw: Record<string, unknown> = {};

/** Other work on the machine during each phase: most Chromium processes seen and highest 1-min load. */
let watch = { chromiumMax: 0, loadMax: 0 };
const sampler = setInterval(() => {
  let chromium = 0;
  try {
    chromium = Number(execFileSync('pgrep', ['-c', 'chromium'], { encoding: 'utf8' }).trim());
  } catch {
    chromium = 0; // pgrep exits 1 when nothing matches
  }
  watch = {
    chromiumMax: Math.max(watch.chromiumMax, chromium),
    loadMax: Math.max(watch.loadMax, loadavg()[0] ?? 0),
  };
}, 2_000);
const phase = () => {
  const seen = watch;
  watch = { chromiumMax: 0, loadMax: 0 };
  return { load: load(), seconds: Math.round((performance.now() - started) / 1_000), ...seen };
};
const rows: Row[] = [];

if (all || wanted.has('cpu')) {
  const cases = await measureServerLinkCpu({
    ...(process.env.BENCH_CPU_WINDOW_MS ? { windowMs: Number(process.env.BENCH_CPU_WINDOW_MS) } : {}),
    ...(process.env.BENCH_CPU_SIZES ? { sizes: process.env.BENCH_CPU_SIZES.split(',').map(Number) } : {}),
    ...(process.env.BENCH_CPU_SYSTEMS
      ? { systems: process.env.BENCH_CPU_SYSTEMS.split(',') as Array<'direct' | 'tcp' | 'ws'> }
      : {}),
  });
  raw.cpu = cases;
  rows.push(...cpuRows(cases));
  conditions.afterCpu = phase();
}
if (all || wanted.has('storm')) {
  const results = await measureServerLinkStorm(Number(process.env.BENCH_STORM_RUNS ?? 3));
  raw.storm = results;
  rows.push(...stormRows(results));
  conditions.afterStorm = phase();
}
if (all || wanted.has('latency')) {
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
  const cases = await measureServerLinkLatency(seconds);
  raw.latency = cases;
  rows.push(...latencyRows(cases, seconds));
  conditions.afterLatency = phase();
}
clearInterval(sampler);
conditions.totalSeconds = Math.round((performance.now() - started) / 1_000);

const header = ['workload', 'system', 'metric', 'value', 'unit'];
const cells = rows.map((row) => [row.workload, row.system, row.metric, String(row.value), row.unit]);
const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]?.length ?? 0)));
const line = (values: string[]) =>
  `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log([line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n'));
console.log(JSON.stringify(conditions));
const out =
  process.env.BENCH_OUT ?? `/tmp/server-link-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), conditions, rows, raw }, null, 2)}\n`);
console.log(`written: ${out}`);
// node-datachannel's native threads can keep the process alive after every connection closed.
process.exit(0);
