/**
 * Instructions (and, with `--cache-sim`, simulated cache misses) a workload spends per unit of work, counted
 * by Valgrind's cachegrind: a measure that moves far less from run to run than this machine's CPU time.
 *
 *   node dist/bench/workloads/instruction-count.js [--cache-sim] [--lo N] [--hi N] [--repeat N] \
 *     --repo A [--repo B ...] <script in each repo> <args, one of them {n}>
 *
 * e.g. `... --repo /tmp/base --repo . dist/bench/workloads/sync/solo.js ours 60 {n}`. Each repo must be
 * built. The script runs under cachegrind `repeat` times (default 3) with `{n}` as `lo` (default 1) and as
 * many with `hi` (default 11), every core busy (counts do not depend on what else runs); what one more
 * unit costs is the difference of the two medians over `hi - lo`, so start-up, compilation and warm-up
 * cancel out. For `solo.js` a unit is one round of the trace (100 snapshot ticks at 20 Hz, 300 at 60 Hz,
 * and the untimed acks and checks with them); for `decode-solo.js`, two passes (one warm, one timed).
 *
 * Why: CPU time on this machine moves by a third between runs of one build (BENCHMARKS.md), so a change of
 * a few percent cannot be told from noise by timing alone. Node runs with V8's `--predictable` (compiling
 * and collecting on the main thread, a fixed heap-growing schedule), fixed hash and random seeds, and no
 * address randomization (`setarch -R`): runs of one build then count within about 0.3 % of each other,
 * where without those they differed by a third. A few runs still land about 4 % apart from the rest (a
 * collection more or less inside them, as far as seen), which the medians are for; the spreads printed
 * say when that happened.
 *
 * What it cannot show: instructions are not time. A cache miss or a mispredicted branch costs many
 * instructions' time and counts as one; `--cache-sim` adds cachegrind's model of the first-level data cache
 * and the last level (its caches, not this machine's). `--predictable` also changes what V8 does in the
 * background. Compare builds with this tool, and confirm a change worth keeping by timing, as usual.
 * Under Valgrind a workload runs about 20 times slower.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Options, parseOptions, summaryNumber } from './instruction-options.js';
import { median } from './sync/rng.js';

interface Counts {
  instructions: number;
  /** First-level data cache misses, reads and writes; undefined without `--cache-sim`. */
  d1Misses: number | undefined;
  /** Last-level cache misses, data reads and writes; undefined without `--cache-sim`. */
  llMisses: number | undefined;
}

const NODE_FLAGS = ['--predictable', '--hash-seed=1', '--random-seed=1'];

/** One run of the script under cachegrind with `{n}` = `n`. */
async function count(options: Options, repo: string, n: number): Promise<Counts> {
  const args = options.args.map((arg) => (arg === '{n}' ? String(n) : arg));
  // setarch -R: the same addresses every run (no ASLR), without which counts of one build spread wider.
  const child = spawn(
    'setarch',
    [
      '-R',
      'valgrind',
      '--tool=cachegrind',
      `--cache-sim=${options.cacheSim ? 'yes' : 'no'}`,
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      ...NODE_FLAGS,
      resolve(repo, options.script),
      ...args,
    ],
    { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64 * 1024);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`${options.script} failed in ${repo} (exit ${code}):\n${stderr.slice(-2_000)}`);
  const instructions = summaryNumber(stderr, /I\s+refs:/);
  if (instructions === undefined) throw new Error(`no instruction count in cachegrind's output:\n${stderr}`);
  return {
    instructions,
    d1Misses: options.cacheSim ? summaryNumber(stderr, /D1\s+misses:/) : undefined,
    llMisses: options.cacheSim ? summaryNumber(stderr, /LLd\s+misses:/) : undefined,
  };
}

function requireTools(): void {
  for (const [tool, install] of [
    ['valgrind', 'apt-get install valgrind'],
    ['setarch', 'apt-get install util-linux'],
  ] as const) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed: ${install}`);
    }
  }
}

/** Runs the jobs, at most `parallel` at once, each result at its job's index. */
async function runAll<T>(jobs: readonly (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const at = next++;
      results[at] = await (jobs[at] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return results;
}

const millions = (value: number): string => (value / 1e6).toFixed(2);

/** The medians of each count over runs (undefined when not counted). */
function medians(runs: readonly Counts[]): Counts {
  const of = (values: (number | undefined)[]) => {
    const counted = values.filter((value): value is number => value !== undefined);
    return counted.length === 0 ? undefined : median(counted);
  };
  return {
    instructions: median(runs.map((run) => run.instructions)),
    d1Misses: of(runs.map((run) => run.d1Misses)),
    llMisses: of(runs.map((run) => run.llMisses)),
  };
}

/** Spread of the runs' instruction totals, as a percentage of their median. */
const spread = (runs: readonly Counts[]): string => {
  const totals = runs.map((run) => run.instructions);
  return `${((100 * (Math.max(...totals) - Math.min(...totals))) / median(totals)).toFixed(2)} %`;
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  requireTools();
  const units = options.hi - options.lo;
  // Repos in turn within each repetition. Counts do not depend on what else runs, so every core works.
  const jobs: { repo: number; high: boolean; run: () => Promise<Counts> }[] = [];
  for (let repetition = 0; repetition < options.repeat; repetition++) {
    options.repos.forEach((repo, index) => {
      jobs.push({ repo: index, high: false, run: () => count(options, repo, options.lo) });
      jobs.push({ repo: index, high: true, run: () => count(options, repo, options.hi) });
    });
  }
  const counts = await runAll(
    jobs.map((job) => job.run),
    Math.max(1, availableParallelism()),
  );
  const runsOf = (repo: number, high: boolean) =>
    counts.filter((_, at) => jobs[at]?.repo === repo && jobs[at]?.high === high);
  console.log(
    `${options.script} ${options.args.join(' ')}: millions per unit, (median of ${options.repeat} runs of ${options.hi} units − median of ${options.repeat} of ${options.lo}) / ${units}`,
  );
  let first: number | undefined;
  options.repos.forEach((repo, index) => {
    const low = runsOf(index, false);
    const high = runsOf(index, true);
    const lo = medians(low);
    const hi = medians(high);
    const per = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? undefined : (b - a) / units;
    const instructions = per(lo.instructions, hi.instructions) as number;
    first ??= instructions;
    const ratio = index === 0 ? '' : `, ${(instructions / first).toFixed(4)}x the first`;
    const d1 = per(lo.d1Misses, hi.d1Misses);
    const ll = per(lo.llMisses, hi.llMisses);
    const cache = d1 === undefined ? '' : `; D1 misses ${millions(d1)}, LL misses ${millions(ll as number)}`;
    console.log(
      `  ${repo}: ${millions(instructions)} instructions${ratio}${cache} (runs spread ${spread(low)} at ${options.lo}, ${spread(high)} at ${options.hi})`,
    );
  });
}

await main();
