import { describe, expect, it } from 'vitest';
import {
  type CallFrame,
  type CpuProfile,
  selfTimes,
  timeByOrigin,
} from '../../../../bench/workloads/phone/profile-time.js';

const frame = (functionName: string, url = ''): CallFrame => ({
  functionName,
  url,
  lineNumber: 0,
  columnNumber: 0,
});

/** (root) → lib → JSON.parse (builtin); (root) → game; (root) → (idle). */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
    { id: 2, callFrame: frame('decode', 'lib'), children: [3] },
    { id: 3, callFrame: frame('parse') },
    { id: 4, callFrame: frame('draw', 'game') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  startTime: 1_000,
  endTime: 1_100,
  // Samples at 1010, 1020, 1050, 1060, 1090: each lasts until the next, the last until 1100.
  samples: [2, 3, 4, 5, 3],
  timeDeltas: [10, 10, 30, 10, 30],
};

describe('selfTimes', () => {
  it('gives each sample the time until the next one, the last one until the end', () => {
    expect(selfTimes(profile)).toEqual(
      new Map([
        [2, 10],
        [3, 30 + 10],
        [4, 10],
        [5, 30],
      ]),
    );
  });
});

describe('timeByOrigin', () => {
  const originOf = (callFrame: CallFrame) =>
    callFrame.functionName === '(idle)' ? 'idle' : callFrame.url === '' ? undefined : callFrame.url;

  it("charges a builtin's time to its nearest caller with a script", () => {
    const totals = timeByOrigin(profile, originOf, 'other');
    expect(totals.get('lib')).toBe(50);
    expect(totals.get('game')).toBe(10);
    expect(totals.get('idle')).toBe(30);
    expect(totals.has('other')).toBe(false);
  });

  it('charges script-less frames with no such caller to the orphan origin', () => {
    const totals = timeByOrigin(
      profile,
      (callFrame) => (callFrame.url === 'game' ? 'game' : undefined),
      'other',
    );
    expect(totals.get('other')).toBe(80);
    expect(totals.get('game')).toBe(10);
  });
});
