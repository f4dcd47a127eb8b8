/**
 * The CCU benchmark (vehikill-net issue 9): how many players one server process holds in 16-player
 * rooms at 20 Hz snapshots and 30 Hz inputs with its p99 tick under budget, and its CPU per player,
 * for vehikill-net (over the WebSocket and over the server link), Colyseus 0.16 and a bare `ws` server
 * (the floor), each ramped on its own with the server on core 0 and the bots on core 1 (CCU_SERVER_CORE=1
 * swaps them). The cores' speed is probed just before each ramp (core-speed.ts): a server's CPU per CCU is
 * only as good as the core it ran on, and on a virtual machine that changes from minute to minute.
 */
import type { Row } from '../../results.js';
import { coreSpeedMs } from '../core-speed.js';
import {
  BOT_CORE,
  type RampOptions,
  type RampResult,
  runRamp,
  SERVER_CORE,
  type StepResult,
} from './ramp.js';
import { SYSTEM_NAMES, SYSTEMS, type System } from './systems.js';

export interface CcuOptions extends Partial<RampOptions> {
  systems?: readonly System[];
}

/**
 * 16-player rooms: 10, 15, 20, 30, 40, 50, 64, 80, 100, 125 rooms. Finer at the bottom: one core of
 * bots drives only a few hundred real vehikill-net or WebRTC clients, and every system must be measured
 * at some common levels. 1,024 is the first step past the goal of 1,000 CCU per core, so a ramp that
 * holds the goal shows it; 800 splits the step up to it (a ramp stops at its first failed step).
 */
export const DEFAULT_STEPS = [160, 240, 320, 480, 640, 800, 1_024, 1_280, 1_600, 2_000];

export async function measureCcu(options: CcuOptions = {}): Promise<RampResult[]> {
  const ramp: RampOptions = {
    steps: options.steps ?? DEFAULT_STEPS,
    settleMs: options.settleMs ?? 2_000,
    windowMs: options.windowMs ?? 5_000,
    budgetMs: options.budgetMs ?? 50,
    botCpuLimit: options.botCpuLimit ?? 900,
    deliveryFloor: options.deliveryFloor ?? 0.95,
    // One bot core cannot drive 1,024 full clients of any of these systems (BENCHMARKS.md): the light
    // model, which leaves the servers' work as it is, is the default; CCU_LOAD=full for the other.
    load: options.load ?? 'light',
  };
  const results: RampResult[] = [];
  for (const system of options.systems ?? SYSTEMS) {
    // Cores 0 and 1, the server's and the bots' (the ramp pins both with taskset, as this does).
    const coresBefore = [0, 1].map(coreSpeedMs);
    results.push({ ...(await runRamp(system, ramp)), coresBefore });
  }
  return results;
}

/** The systems ours are compared with, by the name a ratio row gives them. */
const OTHERS: Partial<Record<System, string>> = {
  colyseus: 'Colyseus',
  'bare-ws': 'bare ws',
  'bare-uws': 'bare uWebSockets.js',
};

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const perCcu = (step: StepResult) => (step.server.cpuMsPerSecond * 1_000) / step.ccu;
const kernelPerCcu = (step: StepResult) => (step.server.kernelCpuMsPerSecond * 1_000) / step.ccu;

export function ccuRows(results: readonly RampResult[]): Row[] {
  const load = results[0]?.load === 'full' ? 'every bot decodes' : 'one bot per room decodes';
  const workload = `CCU, 16-player rooms, 20 Hz snapshots, 30 Hz inputs; server on core ${SERVER_CORE}, bots on core ${BOT_CORE} (${load})`;
  const rows: Row[] = [];
  for (const result of results) {
    const system = SYSTEM_NAMES[result.system];
    const row = (metric: string, value: number, unit: string) =>
      rows.push({ workload, system, metric, value, unit });
    row('max CCU held (p99 tick <= 50 ms, bots keeping up)', result.maxHeld, 'CCU');
    row(`ramp stopped: ${result.stopped}`, result.steps.at(-1)?.ccu ?? 0, 'CCU');
    result.coresBefore?.forEach((ms, core) => {
      row(`fixed JS probe on core ${core} just before the ramp (core-speed.ts)`, round(ms), 'ms');
    });
    const top = result.steps.find((step) => step.ccu === result.maxHeld && step.verdict === 'held');
    if (top) {
      // Where the bots ran out before the server did, this is the only figure for the server's own limit.
      row(
        `projected CCU per core (1 s of CPU / server CPU per CCU at ${top.ccu} CCU)`,
        Math.round(1e6 / perCcu(top)),
        'CCU',
      );
    }
    for (const step of result.steps) {
      const at = `${step.ccu} CCU (${step.verdict}${step.windows > 1 ? ', 2nd window' : ''})`;
      row(`${at}: server CPU per CCU`, round(perCcu(step), 1), 'µs CPU/s');
      row(`${at}: server CPU per CCU in the kernel`, round(kernelPerCcu(step), 1), 'µs CPU/s');
      row(`${at}: server CPU`, round(step.server.cpuMsPerSecond / 10, 1), '% of one core');
      row(`${at}: tick p50 / p99`, round(step.server.tickP50, 2), 'ms (p50)');
      row(`${at}: tick p99`, round(step.server.tickP99, 2), 'ms');
      row(`${at}: event-loop lag p99`, round(step.server.loopLagP99, 2), 'ms');
      row(`${at}: bot CPU`, round(step.bots.cpuMsPerSecond / 10, 1), '% of one core');
      row(`${at}: snapshots received`, round(step.bots.snapshotsPerSecond / step.ccu, 1), '/s per player');
      row(`${at}: inputs received`, round(step.server.inputsPerSecond / step.ccu, 1), '/s per player');
      if (result.system === 'ours-link') row(`${at}: links direct`, step.bots.direct, 'players');
      if (step.bots.decoding > 0) {
        row(`${at}: decoding players holding every car`, step.bots.holdingRoom, `of ${step.bots.decoding}`);
      }
    }
  }
  rows.push(...comparisonRows(workload, results));
  return rows;
}

/** Server CPU per CCU side by side at 320 CCU and at the highest level every system held, with ratios. */
function comparisonRows(workload: string, results: readonly RampResult[]): Row[] {
  const heldAt = (result: RampResult, ccu: number) =>
    result.steps.find((step) => step.ccu === ccu && step.verdict === 'held');
  const levels = new Set<number>([320]);
  const common = (results[0]?.steps ?? [])
    .map((step) => step.ccu)
    .filter((ccu) => results.every((result) => heldAt(result, ccu)));
  if (common.length > 0) levels.add(Math.max(...common));
  const rows: Row[] = [];
  for (const ccu of levels) {
    const at = `at ${ccu} CCU`;
    for (const result of results) {
      const step = heldAt(result, ccu);
      if (!step) continue;
      const system = SYSTEM_NAMES[result.system];
      rows.push({
        workload,
        system,
        metric: `${at}: server CPU per CCU`,
        value: round(perCcu(step), 1),
        unit: 'µs CPU/s',
      });
      rows.push({
        workload,
        system,
        metric: `${at}: server CPU per CCU in the kernel`,
        value: round(kernelPerCcu(step), 1),
        unit: 'µs CPU/s',
      });
      rows.push({
        workload,
        system,
        metric: `${at}: bot CPU`,
        value: round(step.bots.cpuMsPerSecond / 10, 1),
        unit: '% of one core',
      });
    }
    for (const ours of results.filter((result) => result.system.startsWith('ours'))) {
      const mine = heldAt(ours, ccu);
      if (!mine) continue;
      for (const other of results.filter((result) => result.system in OTHERS)) {
        const theirs = heldAt(other, ccu);
        if (!theirs) continue;
        rows.push({
          workload,
          system: `${SYSTEM_NAMES[ours.system]} / ${OTHERS[other.system]}`,
          metric: `${at}: server CPU per CCU ratio`,
          value: round(perCcu(mine) / perCcu(theirs), 2),
          unit: 'x',
        });
      }
    }
  }
  return rows;
}

/** Rows for bench/run.ts. */
export async function benchCcu(options: CcuOptions = {}): Promise<Row[]> {
  return ccuRows(await measureCcu(options));
}
