/**
 * How fast each core runs a fixed piece of JavaScript right now (core-probe.ts), and pinning a benchmark to
 * one core. On this virtual machine the host decides how fast a core is: on 2026-12-06 one core ran the
 * probe in 8.7-10.2 ms while the other took 5.8-6.8, and minutes later they had swapped (6.05 against
 * 6.98); /proc/stat counted no steal time. A process left to the scheduler lands on either core, and on
 * which one it landed moved a workload's time by as much: the sync CPU rounds read 45 or 67 µs a tick for
 * the same build depending on the core. Workloads that compare systems run them on one pinned core in
 * turn, and report this probe for both cores beside their rows, so a reader can tell a slow core from a
 * slow system.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Row } from '../results.js';

const PROBE = fileURLToPath(new URL('./core-probe.js', import.meta.url));

/** The probe's median ms on `core` (in a process of its own, pinned there with `taskset`). */
export function coreSpeedMs(core: number): number {
  const output = execFileSync('taskset', ['-c', String(core), process.execPath, PROBE], { encoding: 'utf8' });
  return (JSON.parse(output) as { ms: number }).ms;
}

/** The cores this machine has, 0 first. */
export function cores(): number[] {
  return Array.from({ length: availableParallelism() }, (_, core) => core);
}

/**
 * Pins this process (every thread of it, and so every process it starts) to `core` until the returned
 * function is called, which gives it back the cores it had.
 */
export function pinProcess(core: number): () => void {
  const pid = String(process.pid);
  const before = execFileSync('taskset', ['-p', pid], { encoding: 'utf8' }).trim().split(' ').pop() as string;
  execFileSync('taskset', ['-a', '-p', '-c', String(core), pid], { stdio: 'ignore' });
  return () => execFileSync('taskset', ['-a', '-p', before, pid], { stdio: 'ignore' });
}

/** One row per core: the probe's ms there now, `when` saying at which point of the workload. */
export function coreSpeedRows(workload: string, when: string): Row[] {
  return cores().map((core) => ({
    workload,
    system: `core ${core}`,
    metric: `fixed JS probe (core-speed.ts), ${when}`,
    value: Math.round(coreSpeedMs(core) * 100) / 100,
    unit: 'ms',
  }));
}
