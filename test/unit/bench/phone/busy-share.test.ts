import { describe, expect, it } from 'vitest';
import { busyShare } from '../../../../bench/workloads/phone/busy-share.js';

const reading = (timestamp: number, task: number, script: number) => [
  { name: 'Timestamp', value: timestamp },
  { name: 'Documents', value: 3 },
  { name: 'TaskDuration', value: task },
  { name: 'ScriptDuration', value: script },
];

describe('busyShare', () => {
  it('divides the counters deltas by the time between the readings', () => {
    const share = busyShare(reading(100, 20, 5), reading(115, 26, 8));
    expect(share.seconds).toBe(15);
    expect(share.task).toBeCloseTo(0.4, 12);
    expect(share.script).toBeCloseTo(0.2, 12);
  });

  it('refuses readings with a counter missing or no time between them', () => {
    expect(() => busyShare([{ name: 'Timestamp', value: 1 }], reading(2, 1, 1))).toThrow(/TaskDuration/);
    expect(() => busyShare(reading(5, 1, 1), reading(5, 2, 2))).toThrow(/no window/);
  });
});
