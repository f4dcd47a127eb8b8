/** The command line of instruction-count.ts, and reading cachegrind's summary. */
import { resolve } from 'node:path';

/** What `instruction-count.js` was asked to run. */
export interface Options {
  cacheSim: boolean;
  /** Measurements per repo; each repo's median is reported, with the spread. */
  repeat: number;
  lo: number;
  hi: number;
  repos: string[];
  script: string;
  args: string[];
}

function usage(problem: string): never {
  throw new Error(
    `${problem}\nusage: instruction-count.js [--cache-sim] [--lo N] [--hi N] [--repeat N] --repo A [--repo B ...] <script> <args, one {n}>`,
  );
}

/** The command line (after the script's own path); throws an Error with the usage for a bad one. */
export function parseOptions(argv: readonly string[]): Options {
  const options: Options = { cacheSim: false, repeat: 3, lo: 1, hi: 11, repos: [], script: '', args: [] };
  let at = 0;
  for (; at < argv.length; at++) {
    const arg = argv[at] as string;
    if (arg === '--cache-sim') options.cacheSim = true;
    else if (arg === '--lo' || arg === '--hi' || arg === '--repeat') {
      const value = Number(argv[++at]);
      if (!Number.isInteger(value) || value < 1) usage(`${arg} takes a whole number ≥ 1`);
      options[arg.slice(2) as 'lo' | 'hi' | 'repeat'] = value;
    } else if (arg === '--repo') {
      const repo = argv[++at];
      if (repo === undefined) usage('--repo takes a path');
      options.repos.push(resolve(repo));
    } else break;
  }
  const [script, ...args] = argv.slice(at);
  if (options.repos.length === 0) usage('name at least one --repo');
  if (script === undefined) usage('name the script to run');
  if (!args.includes('{n}')) usage('one argument must be {n}, the count of units to run');
  if (options.hi <= options.lo) usage('--hi must be above --lo');
  return { ...options, script, args };
}

/** The number after `label` in cachegrind's summary, e.g. `==123== I   refs:      7,954,406,917`. */
export function summaryNumber(text: string, label: RegExp): number | undefined {
  const match = new RegExp(`${label.source}\\s+([\\d,]+)`).exec(text);
  return match === null ? undefined : Number((match[1] as string).replaceAll(',', ''));
}
