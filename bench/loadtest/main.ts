/**
 * `npm run loadtest -- --url URL --rooms R --players P`: headless clients against a running server or
 * cluster, with a live progress line and a summary. Point it only at servers you run.
 */
import { parseLoadOptions } from './load-options.js';
import { countOf, newStats, percentile, runLoad, summaryLines } from './loadtest.js';

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

const progress = () => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const text =
    `${seconds}s  connected ${stats.connected}/${total}  seated ${stats.seated}/${total}  ` +
    `moved ${stats.moved}  sent ${stats.sent}  echoed ${stats.echoed}  ` +
    `p50 ${percentile(stats.roundTrips, 50).toFixed(1)} ms  failed ${countOf(stats.errors)}  ` +
    `not tried ${stats.notTried}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${text}\u001b[K`);
  else console.log(text);
};
const ticker = setInterval(progress, process.stdout.isTTY ? 250 : 2_000);

await runLoad(options, stats);
clearInterval(ticker);
progress();
if (process.stdout.isTTY) process.stdout.write('\n');

console.log('\nsummary');
for (const line of summaryLines(options, stats)) console.log(line);
process.exit(stats.seated === total && countOf(stats.sendErrors) === 0 ? 0 : 1);
