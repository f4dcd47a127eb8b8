/**
 * Reading a callgrind profile of a Node process: each function's own instructions and what its calls to
 * each other function cost, with V8's compiled JavaScript named from the map `--perf-basic-prof` writes
 * (/tmp/perf-<pid>.map; callgrind cannot name code compiled at run time).
 */
import { existsSync, readFileSync } from 'node:fs';

/** Calls from one caller to one callee: how many, and their inclusive instructions. */
export interface CallSum {
  count: number;
  cost: number;
}

export interface CallgrindProfile {
  /** Instructions by function, its own. */
  self: Map<string, number>;
  /** By callee, then by caller. */
  calls: Map<string, Map<string, CallSum>>;
  total: number;
}

/** V8's map of compiled code: start address, size and name, by start. */
export function perfMap(pid: string): (address: number) => string | undefined {
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
export function readProfile(
  text: string,
  nameOfAddress: (address: number) => string | undefined,
): CallgrindProfile {
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
  const calls = new Map<string, Map<string, CallSum>>();
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
        const byCaller = calls.get(callee) ?? new Map<string, CallSum>();
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

/** Reads a profile file and names its JavaScript from the perf map of the process it profiled. */
export function readCallgrindFile(path: string): CallgrindProfile {
  const text = readFileSync(path, 'utf8');
  const pid = /^pid: (\d+)$/m.exec(text)?.[1];
  if (pid === undefined) throw new Error(`${path}: no pid line, not a callgrind profile`);
  return readProfile(text, perfMap(pid));
}
