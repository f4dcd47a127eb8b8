/**
 * Runs the sync workloads alone, without touching bench/results/latest.json:
 * `npm run build && node dist/bench/workloads/sync/run-alone.js [w1] [w2] [cpu] [views] [views-colyseus] [budget]`.
 */
import type { Row } from '../../results.js';
import { benchSyncBudget } from '../sync-budget.js';
import { benchSyncCpu } from '../sync-cpu.js';
import { benchSyncViews } from '../sync-views.js';
import { benchSyncViewsColyseus } from '../sync-views-colyseus.js';
import { benchSyncW1 } from '../sync-w1.js';
import { benchSyncW2 } from '../sync-w2.js';

const which = new Set(process.argv.slice(2));
const all = which.size === 0;
const rows: Row[] = [];
const started = performance.now();
if (all || which.has('w1')) rows.push(...benchSyncW1());
if (all || which.has('w2')) rows.push(...benchSyncW2());
if (all || which.has('cpu')) rows.push(...benchSyncCpu());
if (all || which.has('views')) rows.push(...benchSyncViews());
if (all || which.has('views-colyseus')) rows.push(...benchSyncViewsColyseus());
if (all || which.has('budget')) rows.push(...benchSyncBudget());
for (const row of rows) {
  const value = Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(3);
  console.log(`| ${row.workload} | ${row.system} | ${row.metric} | ${value} | ${row.unit} |`);
}
console.log(`sync workloads took ${((performance.now() - started) / 1000).toFixed(1)} s`);
