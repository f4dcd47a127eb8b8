/**
 * `npm run loadtest -- --url URL --rooms R --players P`: headless clients against a running server or
 * cluster, with a live progress line and a summary. Point it only at servers you run.
 */
import { parseLoadOptions } from './load-options.js';
import { newStats, percentile, runLoad } from './loadtest.js';

const options = (() => {
  try {
    return parseLoadOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
})();
const stats = newStats();
const started = performance.now();
const total = options.rooms * options.players;
const errorCount = () => [...stats.errors.values()].reduce((sum, n) => sum + n, 0);

const progress = () => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const text =
    `${seconds}s  connected ${stats.connected}/${total}  seated ${stats.seated}/${total}  ` +
    `moved ${stats.moved}  sent ${stats.sent}  echoed ${stats.echoed}  ` +
    `p50 ${percentile(stats.roundTrips, 50).toFixed(1)} ms  errors ${errorCount()}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${text}\u001b[K`);
  else console.log(text);
};
const ticker = setInterval(progress, process.stdout.isTTY ? 250 : 2_000);

await runLoad(options, stats);
clearInterval(ticker);
progress();
if (process.stdout.isTTY) process.stdout.write('\n');

const ms = (p: number) => `${percentile(stats.roundTrips, p).toFixed(1)} ms`;
console.log('\nsummary');
console.log(`  target        ${options.urls.join(', ')}`);
console.log(`  rooms         ${options.rooms} x ${options.players} players of '${options.type}'`);
console.log(`  seated        ${stats.seated}/${total} (${stats.moved} moved to another node)`);
console.log(`  per node      ${[...stats.byNode].map(([node, n]) => `${node}: ${n}`).join(', ') || '-'}`);
console.log(`  chat lines    ${stats.sent} sent, ${stats.echoed} echoed back`);
console.log(`  round trip    p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}, max ${ms(100)}`);
console.log(
  `  errors        ${errorCount() === 0 ? 'none' : [...stats.errors].map(([code, n]) => `${code} x${n}`).join(', ')}`,
);
process.exit(stats.seated === total && errorCount() === 0 ? 0 : 1);
