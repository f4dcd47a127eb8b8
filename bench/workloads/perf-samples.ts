/**
 * Reading `perf script -F period,ip,sym,dso`: the time sampled in each function, named as callgrind names
 * it (V8's compiled JavaScript by the perf map `--perf-basic-prof` writes, which perf reads too), the
 * kernel's functions marked as such (callgrind never sees them).
 */

export const UNKNOWN = '[unknown]';

/** Nanoseconds sampled by function: each sample counts its period (perf's cpu-clock period is in ns). */
export function sampledNanoseconds(script: string): Map<string, number> {
  const sampled = new Map<string, number>();
  for (const line of script.split('\n')) {
    const match = /^\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/.exec(line);
    if (match === null) continue;
    const [, period, symbol, dso] = match as unknown as [string, string, string, string];
    const name = dso === '[kernel.kallsyms]' ? `[kernel] ${symbol}` : symbol;
    sampled.set(name, (sampled.get(name) ?? 0) + Number(period));
  }
  return sampled;
}
