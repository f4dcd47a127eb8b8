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
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Row } from '../results.js';

const PROBE = fileURLToPath(new URL('./core-probe.js', import.meta.url));

let tasksetFound: boolean | undefined;

/** Whether `taskset` (util-linux) is here: without it nothing is probed or pinned, and a workload says so. */
export function hasTaskset(): boolean {
  if (tasksetFound === undefined) {
    try {
      execFileSync('taskset', ['--version'], { stdio: 'ignore' });
      tasksetFound = true;
    } catch {
      tasksetFound = false;
    }
  }
  return tasksetFound;
}

/** The probe's median ms on `core` (in a process of its own, pinned there with `taskset`). */
export function coreSpeedMs(core: number): number {
  const output = execFileSync('taskset', ['-c', String(core), process.execPath, PROBE], { encoding: 'utf8' });
  return (JSON.parse(output) as { ms: number }).ms;
}

/**
 * The cores this process may run on (its affinity list, as `taskset -c` set it), ascending; none without
 * `taskset`. Not `availableParallelism()`: that counts them, and under `taskset -c 1` it said one core,
 * which then read as core 0.
 */
export function cores(): number[] {
  if (!hasTaskset()) return [];
  const output = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
  const list = output.trim().split(' ').pop() as string;
  const found: number[] = [];
  for (const part of list.split(',')) {
    const [first, last = first] = part.split('-').map(Number) as [number, number?];
    for (let core = first; core <= (last as number); core++) found.push(core);
  }
  return found;
}

/**
 * Pins this process (every thread of it, and so every process it starts) to `core` until the returned
 * function is called, which gives each thread back the cores it had (V8's and libuv's threads may have had
 * others than the main thread). The restore never throws: called in a `finally`, an error of its own would
 * hide the workload's; it warns instead, and the process stays pinned.
 */
export function pinProcess(core: number): () => void {
  const pid = String(process.pid);
  const masks = threadIds().map((tid) => ({ tid, mask: affinityMask(tid) }));
  execFileSync('taskset', ['-a', '-p', '-c', String(core), pid], { stdio: 'ignore' });
  return () => {
    for (const { tid, mask } of masks) {
      try {
        execFileSync('taskset', ['-p', mask, tid], { stdio: 'ignore' });
      } catch (error) {
        // A thread that has ended since has nothing to restore; any other failure is only reported.
        if (threadIds().includes(tid)) console.warn(`could not restore thread ${tid}'s cores: ${error}`);
      }
    }
  };
}

/** This process's threads, by id (/proc/self/task). */
function threadIds(): string[] {
  return readdirSync('/proc/self/task');
}

/** A thread's affinity mask, in hex, as `taskset -p` prints it. */
function affinityMask(tid: string): string {
  return execFileSync('taskset', ['-p', tid], { encoding: 'utf8' }).trim().split(' ').pop() as string;
}

/** The probe's ms on each core this process may use, now. */
export function coreSpeeds(): { core: number; ms: number }[] {
  return cores().map((core) => ({ core, ms: coreSpeedMs(core) }));
}

/** Rows of `coreSpeeds`, `when` saying at which point of the workload they were taken. */
export function coreSpeedRows(
  workload: string,
  when: string,
  speeds: readonly { core: number; ms: number }[] = coreSpeeds(),
): Row[] {
  return speeds.map(({ core, ms }) => ({
    workload,
    system: `core ${core}`,
    metric: `fixed JS probe (core-speed.ts), ${when}`,
    value: Math.round(ms * 100) / 100,
    unit: 'ms',
  }));
}
