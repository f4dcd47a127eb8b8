/**
 * Runs the CCU benchmark alone and prints its rows (bench/results/latest.json is not touched):
 *   node dist/bench/workloads/ccu/run-alone.js [system...]
 * Systems: bare-ws colyseus ours-ws ours-ws-phys ours-link (all without arguments), and bare-uws by name
 * (it needs uWebSockets.js installed by hand: see uws-binary.ts). Environment:
 * CCU_STEPS=160,320,... CCU_WINDOW_MS, CCU_SETTLE_MS, CCU_SERVER_CORE=0|1 (default 0; the bots take the
 * other), CCU_LOAD=light|full (default light, see
 * `LoadModel`), CCU_CPU_PROF=<dir> (the server and bot processes each write a V8 CPU profile there as they
 * exit; the profiler's own cost saturates them sooner, so read it for where time goes, not for CCU). The
 * raw steps go to $BENCH_OUT (default /tmp/ccu-bench-<time>.json).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ccuRows, measureCcu } from './bench-ccu.js';
import { decodingPerRoom, type LoadModel, NAMED_SYSTEMS, type System } from './systems.js';
import { loadUws } from './uws-binary.js';

const wanted = process.argv.slice(2) as System[];
if (process.env.CCU_LOAD) decodingPerRoom(process.env.CCU_LOAD as LoadModel); // a typo fails here, not in a child
for (const system of wanted) {
  if (!NAMED_SYSTEMS.includes(system)) {
    throw new Error(`unknown system '${system}' (one of ${NAMED_SYSTEMS.join(', ')})`);
  }
}
if (wanted.includes('bare-uws')) loadUws(); // a missing package fails here, with how to install it
const started = performance.now();
const loadBefore = loadavg()[0];
const results = await measureCcu({
  ...(wanted.length > 0 ? { systems: wanted } : {}),
  ...(process.env.CCU_STEPS ? { steps: process.env.CCU_STEPS.split(',').map(Number) } : {}),
  ...(process.env.CCU_WINDOW_MS ? { windowMs: Number(process.env.CCU_WINDOW_MS) } : {}),
  ...(process.env.CCU_SETTLE_MS ? { settleMs: Number(process.env.CCU_SETTLE_MS) } : {}),
  ...(process.env.CCU_LOAD ? { load: process.env.CCU_LOAD as LoadModel } : {}),
});
const rows = ccuRows(results);
const header = ['workload', 'system', 'metric', 'value', 'unit'];
const cells = rows.map((row) => [row.workload, row.system, row.metric, String(row.value), row.unit]);
const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]?.length ?? 0)));
const line = (values: string[]) =>
  `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log([line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n'));
const conditions = {
  seconds: Math.round((performance.now() - started) / 1_000),
  loadBefore,
  loadAfter: loadavg()[0],
  node: process.version,
};
console.log(JSON.stringify(conditions));
const out = process.env.BENCH_OUT ?? `/tmp/ccu-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), conditions, rows, results }, null, 2)}\n`,
);
console.log(`written: ${out}`);
// node-datachannel's native threads can keep the process alive after every connection closed.
process.exit(0);
