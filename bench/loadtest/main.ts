/**
 * `npm run loadtest -- --url URL --rooms R --players P`: headless clients against a running server or
 * cluster, with a live progress line and a summary. Point it only at servers you run. Exit codes:
 * `ExitCode` in load-report.ts (docs/operations.md, "Load").
 */

import { unreachableBecause } from '../../game/bots/reach.js';
import { LiveLine } from './live-line.js';
import { parseLoadOptions, usage } from './load-options.js';
import { ExitCode, exitCodeOf, interruptedExitCode, progressLine, summaryLines } from './load-report.js';
import { newStats } from './load-stats.js';
import { runLoad } from './loadtest.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
const options = (() => {
  try {
    return parseLoadOptions(argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(ExitCode.badOptions);
  }
})();

// The first SIGINT or SIGTERM stops the run: no more players start, every client is closed (the servers
// free their seats at once), and the summary of what ran is printed. A second one exits at once; one within
// a second of the first is the same Ctrl-C passed on again (npm and scripts/run-typescript.mjs forward it,
// and the terminal sends it to them all).
const interrupt = new AbortController();
let interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interruptedBy === undefined) {
      interruptedBy = signal;
      interruptedAt = performance.now();
      console.error(
        `\n${signal}: stopping, closing every client; the summary follows (again to exit at once)`,
      );
      interrupt.abort();
    } else if (performance.now() - interruptedAt > 1_000) {
      process.exit(interruptedExitCode(signal));
    }
  });
}

// Clients retry an address that refuses connections for about half a minute before failing: check each
// once first, so that a wrong URL or a server not started is said at once.
console.log(`checking ${options.urls.join(', ')}`);
const unreachable = (
  await Promise.all(
    options.urls.map(async (url) => ({
      url,
      answer: await unreachableBecause(url, { origin: options.origin }),
    })),
  )
).flatMap(({ url, answer }) => (answer === undefined ? [] : [{ url, ...answer }]));
// Interrupted during the check (at most its 3 s answer wait): that is what ended the run, whatever the
// URLs answered meanwhile.
if (interruptedBy !== undefined) process.exit(interruptedExitCode(interruptedBy));
for (const { url, why } of unreachable) console.error(`${url}: ${why}`);
if (unreachable.length === options.urls.length) {
  // A server that is there but refuses the Origin is fixed by --origin, not by starting one or another URL.
  if (unreachable.some(({ originRefused }) => originRefused)) {
    console.error('no server to load test: give --origin an origin the servers allow');
    process.exit(ExitCode.originRefused);
  }
  console.error('no server to load test: start one there, or check --url');
  process.exit(ExitCode.unreachable);
}
if (unreachable.length > 0) {
  console.error('going on: clients given that URL first try it a few times, then move to the next URL');
}

const stats = newStats();
const started = performance.now();
const live = new LiveLine();
const progress = () => {
  const text = progressLine(options, stats, (performance.now() - started) / 1000);
  if (process.stdout.isTTY) process.stdout.write(live.render(text, process.stdout.columns));
  else console.log(text);
};
const ticker = setInterval(progress, process.stdout.isTTY ? 250 : 2_000);

await runLoad(options, stats, undefined, interrupt.signal);
clearInterval(ticker);
progress();
if (process.stdout.isTTY) process.stdout.write('\n');

const ran = ((performance.now() - started) / 1000).toFixed(1);
console.log(interruptedBy ? `\nsummary (interrupted by ${interruptedBy} after ${ran} s)` : '\nsummary');
for (const line of summaryLines(options, stats)) console.log(line);
process.exit(interruptedBy ? interruptedExitCode(interruptedBy) : exitCodeOf(options, stats));
