/**
 * Where inside one optimized JavaScript function a callgrind profile's instructions went, by source
 * position, with the source line of each:
 *
 *   setarch -R valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=cg.out \
 *     node --predictable --perf-basic-prof --print-opt-code --code-comments \
 *       --print-opt-code-filter=<name> <script> <args> > code.log
 *   node dist/bench/workloads/callgrind-lines.js cg.out code.log <name> [--calls N] [--top N] [--script F]
 *
 * callgrind-functions.ts says which function costs most; a function TurboFan built from a dozen inlined
 * ones is thousands of machine instructions, and its total says little about which source line they came
 * from. Here V8 prints each optimized version of the function (its machine code with the address of every
 * instruction, and a table from code offsets to source positions), and callgrind counts every
 * instruction executed by its address: under `--predictable` and `setarch -R` the addresses of the
 * printed code are the ones executed. Each version's instructions are summed by the source position of
 * the code they belong to; the busiest version is shown, divided by `--calls` when given (a unit of work
 * the caller knows, e.g. acks taken). Positions inside the function are shown with their line; positions
 * outside it are in functions inlined into it, in their own scripts, which the printed code does not
 * name: with `--script` (the compiled .js of the function's module) they are shown as that script's lines,
 * right for functions inlined from the same module and to be taken with care for others.
 * It found the ack's 32-count walk (`SnapshotEncoder.#stepsFromField`) and the per-byte header patch
 * (`patchBits`) in a profile where no function stood out.
 */
import { readFileSync } from 'node:fs';
import { countsByPosition, describe, instructionCounts, type Version, versions } from './opt-code-lines.js';

interface Options {
  profile: string;
  code: string;
  name: string;
  calls: number;
  top: number;
  script: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const [profile, code, name, ...rest] = argv;
  if (profile === undefined || code === undefined || name === undefined) {
    throw new Error(
      'usage: callgrind-lines.js <callgrind.out> <print-opt-code log> <function name> [--calls N] [--top N] [--script F]',
    );
  }
  const options: Options = { profile, code, name, calls: 1, top: 40, script: undefined };
  for (let at = 0; at < rest.length; at++) {
    const flag = rest[at];
    const text = rest[++at];
    const value = Number(text);
    if (flag === '--script' && text !== undefined) options.script = text;
    else if (flag === '--calls' && value > 0) options.calls = value;
    else if (flag === '--top' && Number.isInteger(value) && value > 0) options.top = value;
    else throw new Error(`unknown or incomplete option: ${flag} ${rest[at] ?? ''}`);
  }
  return options;
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const counts = instructionCounts(readFileSync(options.profile, 'utf8'));
  const printed = versions(readFileSync(options.code, 'utf8'), options.name);
  if (printed.length === 0) throw new Error(`no optimized code named ${options.name} in ${options.code}`);
  const totals = printed.map((version) =>
    version.instructions.reduce((sum, { address }) => sum + (counts.get(address) ?? 0), 0),
  );
  totals.forEach((total, index) => {
    console.log(`version ${index + 1}: ${(total / 1e6).toFixed(1)} M instructions`);
  });
  const busiest = totals.indexOf(Math.max(...totals));
  const version = printed[busiest] as Version;
  const byPosition = countsByPosition(version, counts);
  const script = options.script === undefined ? undefined : readFileSync(options.script, 'utf8');
  const per = options.calls;
  console.log(
    `version ${busiest + 1}, ${((totals[busiest] as number) / per).toFixed(1)} instructions per ${per === 1 ? 'run' : 'call'}, by source position:`,
  );
  [...byPosition]
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.top)
    .forEach(([position, count]) => {
      console.log(`${(count / per).toFixed(1).padStart(12)}  ${describe(version, position, script)}`);
    });
}

main();
