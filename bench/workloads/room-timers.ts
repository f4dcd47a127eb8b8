/**
 * Room ticks under load: 40 rooms ticking at 20 Hz, each tick 0.6 ms of work (about what a 16-player
 * room's snapshots cost in the CCU benchmark), with the event loop also blocked for 15 ms every 400 ms
 * (a collection, a burst of I/O). Rooms start spread evenly over the first period, as rooms created at
 * different times do. Driven once by Node's `setInterval` and once by `Room.clock.setInterval`
 * (`RoomTimers`), alternated, twice each. Per tick: its time as the CCU benchmark counts it (how late it
 * started after the room's previous tick plus one period, plus its own work), and how many ticks each
 * room really ran per second: Node's `setInterval` reschedules from when a call started, so every late
 * call moves the room's schedule later for good; `Room.clock.setInterval` keeps each call due one period
 * after the previous one was due. STALL_MS and WORK_MS override the stall and the work.
 * Alone: `npm run build && node dist/bench/workloads/room-timers.js`.
 */
import { pathToFileURL } from 'node:url';
import { realClock } from '../../src/common/index.js';
import { RoomTimers } from '../../src/server/rooms/room-clock.js';
import { percentile, type Row } from '../results.js';

const ROOMS = 40;
const PERIOD_MS = 50;
const WORK_MS = Number(process.env.WORK_MS ?? 0.6);
const STALL_EVERY_MS = 400;
const STALL_MS = Number(process.env.STALL_MS ?? 15);
const RUN_MS = 6_000;

type Mode = 'node setInterval' | 'Room.clock.setInterval';

interface Run {
  tickP50: number;
  tickP99: number;
  /** Ticks per second per room over the run (20 is the rate asked for). */
  rateHz: number;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

function every(mode: Mode, timers: RoomTimers, periodMs: number, callback: () => void): () => void {
  if (mode === 'Room.clock.setInterval') return timers.setInterval(callback, periodMs);
  const handle = setInterval(callback, periodMs);
  return () => clearInterval(handle);
}

async function run(mode: Mode): Promise<Run> {
  const timers = new RoomTimers(realClock, (error) => {
    throw error;
  });
  const ticks: number[] = [];
  const stops: (() => void)[] = [];
  let counted = 0;
  const started = performance.now();
  for (let room = 0; room < ROOMS; room++) {
    let previousStart: number | undefined;
    const tick = () => {
      const start = performance.now();
      const late = previousStart === undefined ? 0 : Math.max(0, start - previousStart - PERIOD_MS);
      previousStart = start;
      busy(WORK_MS);
      if (start - started > PERIOD_MS * 4) ticks.push(late + (performance.now() - start));
      counted++;
    };
    // Rooms created at different times: spread over the first period.
    const startIn = (room * PERIOD_MS) / ROOMS;
    const begin = setTimeout(() => stops.push(every(mode, timers, PERIOD_MS, tick)), startIn);
    stops.push(() => clearTimeout(begin));
  }
  const stall = setInterval(() => busy(STALL_MS), STALL_EVERY_MS);
  await new Promise((resolve) => setTimeout(resolve, RUN_MS));
  clearInterval(stall);
  for (const stop of stops) stop();
  timers.close();
  const sortedTicks = [...ticks].sort((a, b) => a - b);
  return {
    tickP50: percentile(sortedTicks, 50),
    tickP99: percentile(sortedTicks, 99),
    rateHz: counted / ROOMS / ((performance.now() - started) / 1_000),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1] as number;
}

export async function benchRoomTimers(): Promise<Row[]> {
  const runs: Record<Mode, Run[]> = { 'node setInterval': [], 'Room.clock.setInterval': [] };
  for (let pass = 0; pass < 2; pass++) {
    for (const mode of Object.keys(runs) as Mode[]) runs[mode].push(await run(mode));
  }
  const workload = `room ticks, ${ROOMS} rooms at 20 Hz, ${WORK_MS} ms work each, ${STALL_MS} ms stall every ${STALL_EVERY_MS} ms`;
  const rows: Row[] = [];
  const round = (value: number) => Math.round(value * 100) / 100;
  for (const [mode, results] of Object.entries(runs)) {
    const metric = (name: string, unit: string, pick: (r: Run) => number) =>
      rows.push({
        workload,
        system: mode,
        metric: `${name} (median of 2 runs)`,
        value: round(median(results.map(pick))),
        unit,
      });
    metric('tick p50 (lateness + work)', 'ms', (r) => r.tickP50);
    metric('tick p99 (lateness + work)', 'ms', (r) => r.tickP99);
    metric('ticks per second per room (20 asked)', 'Hz', (r) => r.rateHz);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchRoomTimers())
    console.log(`${row.system} | ${row.metric} | ${row.value} ${row.unit}`);
}
