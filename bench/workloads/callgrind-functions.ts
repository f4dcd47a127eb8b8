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
import { existsSync, readFileSync } from 'node:fs';

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

/** V8's map of compiled code: start address, size and name, by start. */
function perfMap(pid: string): (address: number) => string | undefined {
  const path = `/tmp/perf-${pid}.map`;
  if (!existsSync(path))
    throw new Error(`${path} is missing: run node with --perf-basic-prof under callgrind`);
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return {
        start: Number.parseInt(start as string, 16),
        size: Number.parseInt(size as string, 16),
        name: name.join(' '),
      };
    })
    .sort((a, b) => a.start - b.start);
  return (address) => {
    let low = 0;
    let high = entries.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((entries[middle]?.start as number) <= address) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    const entry = entries[found];
    return entry !== undefined && address < entry.start + entry.size ? entry.name : undefined;
  };
}

/**
 * Reads callgrind's format: `fn=(id) name` names a function once and `fn=(id)` again later; a line of
 * numbers is a cost of the current function, except the one after `calls=`, which is what the call to
 * `cfn` cost (inclusive). The cost follows the line's positions: the line number alone by default, the
 * instruction's address first with `--dump-instr=yes` (the `positions:` header says which).
 */
function readProfile(text: string, nameOfAddress: (address: number) => string | undefined) {
  const names = new Map<string, string>();
  const name = (spec: string): string => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    let found = spec;
    if (match !== null) {
      const [, id, given] = match as unknown as [string, string, string | undefined];
      if (given !== undefined) names.set(id, given);
      found = names.get(id) ?? spec;
    }
    return found.startsWith('0x') ? (nameOfAddress(Number.parseInt(found, 16)) ?? found) : found;
  };
  const self = new Map<string, number>();
  const calls = new Map<string, Map<string, { count: number; cost: number }>>();
  let fn = '';
  let callee = '';
  let callCount = -1;
  let total = 0;
  let costAt = 1;
  for (const line of text.split('\n')) {
    if (line.startsWith('positions:')) costAt = line.slice(10).trim().split(/\s+/).length;
    else if (line.startsWith('fn=')) fn = name(line.slice(3));
    else if (line.startsWith('cfn=')) callee = name(line.slice(4));
    else if (line.startsWith('calls=')) callCount = Number(line.slice(6).split(' ')[0]);
    else if (/^([+-]?\d|\*)/.test(line)) {
      const cost = Number(line.trim().split(/\s+/)[costAt] ?? 0);
      if (callCount >= 0) {
        const byCaller = calls.get(callee) ?? new Map<string, { count: number; cost: number }>();
        calls.set(callee, byCaller);
        const sum = byCaller.get(fn) ?? { count: 0, cost: 0 };
        byCaller.set(fn, { count: sum.count + callCount, cost: sum.cost + cost });
        callCount = -1;
      } else {
        self.set(fn, (self.get(fn) ?? 0) + cost);
        total += cost;
      }
    }
  }
  return { self, calls, total };
}

const millions = (count: number): string => `${(count / 1e6).toFixed(1).padStart(8)} M`;

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const text = readFileSync(options.profile, 'utf8');
  const pid = /^pid: (\d+)$/m.exec(text)?.[1];
  if (pid === undefined) throw new Error(`${options.profile}: no pid line, not a callgrind profile`);
  const { self, calls, total } = readProfile(text, perfMap(pid));
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
