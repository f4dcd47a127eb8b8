/**
 * A callgrind profile of a Node process, by function, with V8's compiled JavaScript named:
 *
 *   setarch -R valgrind --tool=callgrind --callgrind-out-file=cg.out \
 *     node --predictable --perf-basic-prof <script> <args>
 *   node dist/bench/workloads/callgrind-functions.js cg.out [--top N] [--callers <regex>]
 *
 * Callgrind cannot name code that V8 compiled at run time; `--perf-basic-prof` makes V8 write where each
 * piece went (/tmp/perf-<pid>.map), which this reads for the profile's pid. It prints each function's own
 * instructions (`*` before a JavaScript name: optimized code; `^`: baseline), or with `--callers`, which
 * functions call those matching the pattern, how often, and what those calls cost. The counts, unlike
 * times, come out the same run after run (see instruction-count.ts), so a runtime call or an inline cache
 * miss repeated per message stands out: `--callers Runtime_TransitionElementsKind` found the codes arrays
 * of two element kinds (src/sync/codes-scratch.ts).
 */
import { readCallgrindFile } from './callgrind-profile.js';

interface Options {
  profile: string;
  top: number;
  callers: RegExp | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const [profile, ...rest] = argv;
  if (profile === undefined) {
    throw new Error('usage: callgrind-functions.js <callgrind.out> [--top N] [--callers <regex>]');
  }
  const options: Options = { profile, top: 50, callers: undefined };
  for (let at = 0; at < rest.length; at++) {
    const flag = rest[at];
    const value = rest[++at];
    if (flag === '--top' && Number.isInteger(Number(value)) && Number(value) > 0) options.top = Number(value);
    else if (flag === '--callers' && value !== undefined) options.callers = new RegExp(value);
    else throw new Error(`unknown or incomplete option: ${flag} ${value ?? ''}`);
  }
  return options;
}

const millions = (count: number): string => `${(count / 1e6).toFixed(1).padStart(8)} M`;

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const { self, calls, total } = readCallgrindFile(options.profile);
  if (options.callers !== undefined) {
    const callers = new Map<string, { count: number; cost: number }>();
    for (const [callee, byCaller] of calls) {
      if (!options.callers.test(callee)) continue;
      for (const [caller, sum] of byCaller) {
        const was = callers.get(caller) ?? { count: 0, cost: 0 };
        callers.set(caller, { count: was.count + sum.count, cost: was.cost + sum.cost });
      }
    }
    console.log(`callers of /${options.callers.source}/: instructions in the calls, calls, caller`);
    for (const [caller, { count, cost }] of [...callers]
      .sort((a, b) => b[1].cost - a[1].cost)
      .slice(0, options.top)) {
      console.log(`${millions(cost)} ${String(count).padStart(10)}  ${caller}`);
    }
    return;
  }
  console.log(`${millions(total)} instructions in all; each function's own:`);
  for (const [fn, cost] of [...self].sort((a, b) => b[1] - a[1]).slice(0, options.top)) {
    console.log(`${((100 * cost) / total).toFixed(2).padStart(6)} % ${millions(cost)}  ${fn}`);
  }
}

main();
