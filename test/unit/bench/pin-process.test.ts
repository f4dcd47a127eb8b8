import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cores, hasTaskset, pinProcess } from '../../../bench/workloads/core-speed.js';

const maskOf = (tid: string) =>
  execFileSync('taskset', ['-p', tid], { encoding: 'utf8' }).trim().split(' ').pop() as string;
const threads = () => readdirSync('/proc/self/task');
const usable = hasTaskset() && cores().length >= 2;

describe.skipIf(!usable)('pinProcess', () => {
  it('pins every thread to the core, then gives each thread back its own cores', () => {
    const [first, second] = cores() as [number, number];
    const main = String(process.pid);
    const other = threads().find((tid) => tid !== main);
    expect(other).toBeDefined();
    const otherAtStart = maskOf(other as string);
    // One thread with other cores than the main thread's: the restore must not give it the main one's.
    execFileSync('taskset', ['-p', '-c', String(second), other as string], { stdio: 'ignore' });
    const before = new Map(threads().map((tid) => [tid, maskOf(tid)]));
    try {
      const unpin = pinProcess(first);
      const pinned = (1 << first).toString(16);
      for (const tid of threads()) expect(maskOf(tid)).toBe(pinned);
      unpin();
      for (const [tid, mask] of before) {
        if (threads().includes(tid)) expect(maskOf(tid)).toBe(mask);
      }
      expect(maskOf(other as string)).toBe((1 << second).toString(16));
    } finally {
      execFileSync('taskset', ['-p', otherAtStart, other as string], { stdio: 'ignore' });
    }
  });
});
