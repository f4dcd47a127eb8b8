/**
 * Simulation step: µs per `stepWorld` for 32 vehicles on the default arena, driven by the seeded
 * ScriptedDriving (chasing, bumping, drifting, boosting and firing rockets). One untimed warm-up, then
 * several rounds from a fresh world; each round times only the stepWorld calls (input scripting and
 * rocket firing are left out) and reports its mean; the row is the median of the rounds.
 * Alone: `npm run build && node dist/bench/workloads/sim-step.js`.
 */
import { pathToFileURL } from 'node:url';
import { addVehicle, createWorld, DEFAULT_ARENA, ScriptedDriving, stepWorld } from '../../game/sim/index.js';
import type { Row } from '../results.js';

const VEHICLES = 32;
const SEED = 4242;
const WARM_UP_TICKS = 3_000;
const ROUND_TICKS = 3_000;
const ROUNDS = 7;

interface Round {
  usPerStep: number;
  /** Worst single step of the round, to see GC pauses or pathological contact piles. */
  worstUs: number;
  rocketsInFlight: number;
  events: number;
}

function round(ticks: number): Round {
  const world = createWorld(DEFAULT_ARENA);
  for (let id = 1; id <= VEHICLES; id++) addVehicle(world, id);
  const driving = new ScriptedDriving(SEED);
  let totalMs = 0;
  let worstMs = 0;
  let rockets = 0;
  let events = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const inputs = driving.prepare(world);
    const started = performance.now();
    events += stepWorld(world, inputs).length;
    const elapsed = performance.now() - started;
    totalMs += elapsed;
    if (elapsed > worstMs) worstMs = elapsed;
    rockets += world.rockets.length;
  }
  return {
    usPerStep: (totalMs * 1000) / ticks,
    worstUs: worstMs * 1000,
    rocketsInFlight: rockets / ticks,
    events,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function simStepBench(): Promise<Row[]> {
  round(WARM_UP_TICKS);
  const rounds = Array.from({ length: ROUNDS }, () => round(ROUND_TICKS));
  const workload = `sim step, ${VEHICLES} vehicles, default arena`;
  const value = (v: number) => Math.round(v * 100) / 100;
  return [
    {
      workload,
      system: 'game/sim',
      metric: 'µs per stepWorld (median of rounds)',
      value: value(median(rounds.map((r) => r.usPerStep))),
      unit: 'µs',
    },
    {
      workload,
      system: 'game/sim',
      metric: 'worst single step (median of rounds)',
      value: value(median(rounds.map((r) => r.worstUs))),
      unit: 'µs',
    },
    {
      workload,
      system: 'game/sim',
      metric: 'rockets in flight (mean)',
      value: value(median(rounds.map((r) => r.rocketsInFlight))),
      unit: 'rockets',
    },
    {
      workload,
      system: 'game/sim',
      metric: 'events per step (mean)',
      value: value(median(rounds.map((r) => r.events / ROUND_TICKS))),
      unit: 'events',
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await simStepBench()) {
    console.log(`| ${row.workload} | ${row.system} | ${row.metric} | ${row.value} | ${row.unit} |`);
  }
}
