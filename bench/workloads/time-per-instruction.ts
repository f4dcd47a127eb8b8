/**
 * Time per instruction by function: where a workload's time goes against where its instructions go,
 * both by the machine code that ran (a function with what TurboFan inlined into it, as callgrind and
 * perf both see it). Run the same script with the same arguments under each, with `--predictable` (one
 * thread: the collector and the compiler run on the main one in both):
 *
 *   setarch -R valgrind --tool=callgrind --callgrind-out-file=cg.out \
 *     node --predictable --perf-basic-prof <script> <args>
 *   perf record -e cpu-clock -F 10000 -o perf.data -- node --predictable --perf-basic-prof <script> <args>
 *   perf script -i perf.data -F period,ip,sym,dso > perf.txt
 *   node dist/bench/workloads/time-per-instruction.js cg.out perf.txt [--top N]
 *
 * `cpu-clock` is a timer, so this works on machines without hardware counters (this VM has none). A
 * function whose nanoseconds per instruction stand well above the run's own is waiting on something
 * instructions do not count: memory, mispredicted branches, page faults; the kernel's functions are
 * time with no instructions at all (callgrind does not see the kernel). Instructions hold still from run
 * to run; sampled time does not, and a function with few samples has a wide margin (their count is shown).
 * Native functions are matched by qualified name (symbol-names.ts).
 *
 * The two runs must compile the same code: under valgrind V8 can decide to inline differently (seen:
 * `SnapshotEncoder.encode` took in `#encodeShared` under callgrind and not under perf), and then the
 * function inlined in one run shows a time with too few instructions and its caller the reverse. Compare
 * the perf maps' code sizes (/tmp/perf-<pid>.map) of a function that stands out, or sum it with its callers.
 */
import { readFileSync } from 'node:fs';
import { readCallgrindFile } from './callgrind-profile.js';
import { sampledNanoseconds } from './perf-samples.js';
import { comparableName } from './symbol-names.js';

function parseOptions(argv: readonly string[]): { callgrind: string; perf: string; top: number } {
  const [callgrind, perf, flag, value] = argv;
  if (callgrind === undefined || perf === undefined) {
    throw new Error('usage: time-per-instruction.js <callgrind.out> <perf script output> [--top N]');
  }
  let top = 40;
  if (flag !== undefined) {
    if (flag !== '--top' || !Number.isInteger(Number(value)) || Number(value) <= 0) {
      throw new Error(`unknown or incomplete option: ${flag} ${value ?? ''}`);
    }
    top = Number(value);
  }
  return { callgrind, perf, top };
}

function byComparableName(costs: ReadonlyMap<string, number>): Map<string, number> {
  const named = new Map<string, number>();
  for (const [name, cost] of costs) {
    const comparable = comparableName(name);
    named.set(comparable, (named.get(comparable) ?? 0) + cost);
  }
  return named;
}

const sum = (values: Iterable<number>): number => {
  let total = 0;
  for (const value of values) total += value;
  return total;
};

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const instructions = byComparableName(readCallgrindFile(options.callgrind).self);
  const nanos = byComparableName(sampledNanoseconds(readFileSync(options.perf, 'utf8')));
  const totalNanos = sum(nanos.values());
  const totalInstructions = sum(instructions.values());
  const kernelNanos = sum([...nanos].filter(([name]) => name.startsWith('[kernel] ')).map(([, ns]) => ns));
  const runNsPerInstruction = totalNanos / totalInstructions;
  console.log(
    `${(totalNanos / 1e6).toFixed(1)} ms sampled (${((100 * kernelNanos) / totalNanos).toFixed(1)} % in the kernel), ${(totalInstructions / 1e6).toFixed(1)} M instructions: ${runNsPerInstruction.toFixed(3)} ns an instruction over the run`,
  );
  console.log('     time  time %    M instr  instr %  ns/instr  x run  function');
  const rows = [...new Set([...nanos.keys(), ...instructions.keys()])]
    .map((name) => ({ name, ns: nanos.get(name) ?? 0, count: instructions.get(name) ?? 0 }))
    .sort((a, b) => b.ns - a.ns)
    .slice(0, options.top);
  for (const { name, ns, count } of rows) {
    const perInstruction = count > 0 ? ns / count : Number.NaN;
    console.log(
      [
        `${(ns / 1e6).toFixed(1)} ms`.padStart(9),
        `${((100 * ns) / totalNanos).toFixed(2)}`.padStart(7),
        `${(count / 1e6).toFixed(1)}`.padStart(10),
        `${((100 * count) / totalInstructions).toFixed(2)}`.padStart(8),
        `${perInstruction.toFixed(3)}`.padStart(9),
        `${(perInstruction / runNsPerInstruction).toFixed(2)}`.padStart(6),
        ` ${name}`,
      ].join(' '),
    );
  }
}

main();
