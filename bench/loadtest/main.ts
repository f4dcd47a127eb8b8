/**
 * `npm run loadtest -- --url URL --rooms R --players P`: headless clients against a running server or
 * cluster, with a live progress line and a summary. Point it only at servers you run. Exit codes:
 * `ExitCode` in load-report.ts (docs/operations.md, "Load").
 */
import { parseLoadOptions } from './load-options.js';
import { ExitCode, exitCodeOf, progressLine, summaryLines } from './load-report.js';
import { newStats } from './load-stats.js';
import { runLoad } from './loadtest.js';
import { unreachableBecause } from './reach.js';

const options = (() => {
  try {
    return parseLoadOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(ExitCode.badOptions);
  }
})();

// Clients retry an address that refuses connections for about half a minute before failing: check each
// once first, so that a wrong URL or a server not started is said at once.
console.log(`checking ${options.urls.join(', ')}`);
const unreachable = (
  await Promise.all(options.urls.map(async (url) => ({ url, why: await unreachableBecause(url) })))
).filter(({ why }) => why !== undefined);
for (const { url, why } of unreachable) console.error(`${url} does not answer: ${why}`);
if (unreachable.length === options.urls.length) {
  console.error('no server to load test: start one there, or check --url');
  process.exit(ExitCode.unreachable);
}
if (unreachable.length > 0) {
  console.error('going on: clients given that URL first try it a few times, then move to the next URL');
}

const stats = newStats();
const started = performance.now();
const progress = () => {
  const text = progressLine(options, stats, (performance.now() - started) / 1000);
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
process.exit(exitCodeOf(options, stats));
