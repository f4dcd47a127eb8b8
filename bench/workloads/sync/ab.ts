/**
 * Our sync CPU rounds of two builds in one process, in turn: `node dist/bench/workloads/sync/ab.js
 * <repo A> <repo B> [rounds] [loss] [hz]` (each repo built; default 21 rounds at the workload's 5 % loss and
 * 20 snapshots a second; `-` for the loss keeps its default, so `ab.js A B 21 - 60` runs 60 Hz) prints
 * each build's median writes + encode per snapshot tick and the median of the paired ratios B / A.
 *
 * For telling a change from noise on this machine, whose speed wanders by tens of percent from one second
 * to the next: runs of one build in separate processes spread over 2x, so two builds run in separate
 * processes cannot be told apart under about 30 %. Here both builds' code is loaded side by side (each
 * repo's own module graph, compiled on its own) and round A, round B alternate, so a slow second slows
 * both.
 *
 * The process pins itself to the core that runs core-speed.ts's probe faster at its start: left to the
 * scheduler it could move between this machine's two cores, whose speeds differ by up to two thirds.
 *
 * What it cannot show: a change in what the code keeps alive or leaves as garbage. Both builds share one
 * heap, so either build's collections land in both builds' rounds alike. Keeping a round's snapshot views
 * (and so their slab chunks) alive cost 20 µs a tick in processes of its own, and nothing here. Compare
 * such changes with `solo.ts` in separate processes, many of them, in turn.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { coreSpeeds, pinProcess } from '../core-speed.js';
import type { checkOursRound as CheckOursRound, oursRound as OursRound } from '../sync-cpu.js';
import { arenaTrace, SIM_HZ } from './arena.js';
import { median } from './rng.js';

/** Rounds run and thrown away first per build, as in `solo.ts`. */
const WARM_ROUNDS = 10;

const [repoA, repoB, roundsText = '21', lossText = '-', hzText = '20'] = process.argv.slice(2);
const rounds = Number(roundsText);
const loss = lossText === '-' ? undefined : Number(lossText);
// At 60 Hz every tick of the trace is a snapshot tick: what each client costs a snapshot counts 3x more.
const hz = Number(hzText);
if (
  repoA === undefined ||
  repoB === undefined ||
  !(rounds > 0) ||
  (loss !== undefined && !(loss >= 0 && loss <= 1)) ||
  !(hz > 0 && Number.isInteger(SIM_HZ / hz))
) {
  throw new Error(
    `usage: ab.js <repo A> <repo B> [rounds] [loss 0..1, or - for the default] [hz dividing ${SIM_HZ}]`,
  );
}

interface Build {
  round: typeof OursRound;
  /** Undefined for a build from before it was exported (its rounds checked themselves). */
  check: typeof CheckOursRound | undefined;
  played: ReturnType<typeof OursRound>[];
}

async function buildOf(repo: string): Promise<Build> {
  const url = pathToFileURL(resolve(repo, 'dist/bench/workloads/sync-cpu.js')).href;
  const module = (await import(url)) as {
    oursRound: typeof OursRound;
    checkOursRound: typeof CheckOursRound;
  };
  return { round: module.oursRound, check: module.checkOursRound, played: [] };
}

const speeds = coreSpeeds();
if (speeds.length === 0) {
  console.log('not pinned: no taskset here');
} else {
  const fastest = speeds.reduce((best, speed) => (speed.ms < best.ms ? speed : best));
  pinProcess(fastest.core);
  const probes = speeds.map(({ core, ms }) => `core ${core} ${ms.toFixed(2)} ms`).join(', ');
  console.log(`pinned to core ${fastest.core} (probe: ${probes})`);
}
const builds = [await buildOf(repoA), await buildOf(repoB)] as const;
const trace = arenaTrace(5, 7);
const timeOf = (build: Build): number => {
  const played = build.round(trace, hz, true, loss);
  build.played.push(played);
  return played.encodeUs + played.writeUs;
};
for (let warm = 0; warm < WARM_ROUNDS; warm++) for (const build of builds) timeOf(build);
const a: number[] = [];
const b: number[] = [];
for (let round = 0; round < rounds; round++) {
  // A first in even rounds, B first in odd ones.
  if (round % 2 === 0) {
    a.push(timeOf(builds[0]));
    b.push(timeOf(builds[1]));
  } else {
    b.push(timeOf(builds[1]));
    a.push(timeOf(builds[0]));
  }
}
// Checked once every round was timed: a decoder among the rounds would be collected in their timing.
for (const build of builds) for (const played of build.played) build.check?.(played);
const ratios = a.map((value, index) => (b[index] as number) / value);
const fixed = (value: number) => value.toFixed(1);
console.log(`${hz} Hz, ${loss === undefined ? "the workload's" : loss} loss`);
console.log(`A ${repoA}: median ${fixed(median(a))} µs a snapshot tick (writes + encode)`);
console.log(`B ${repoB}: median ${fixed(median(b))} µs`);
console.log(
  `B / A, median of ${rounds} paired rounds: ${median(ratios).toFixed(3)} ` +
    `(lowest ${Math.min(...ratios).toFixed(3)}, highest ${Math.max(...ratios).toFixed(3)})`,
);
