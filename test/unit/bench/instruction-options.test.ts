import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions, summaryNumber } from '../../../bench/workloads/instruction-options.js';

describe('instruction-count options', () => {
  it('takes repos, sizes and the script with its {n} argument', () => {
    const options = parseOptions([
      '--cache-sim',
      '--lo',
      '2',
      '--hi',
      '7',
      '--repeat',
      '5',
      '--repo',
      '/tmp/a',
      '--repo',
      'b',
      'dist/x.js',
      'ours',
      '60',
      '{n}',
    ]);
    expect(options).toEqual({
      cacheSim: true,
      repeat: 5,
      lo: 2,
      hi: 7,
      repos: ['/tmp/a', resolve('b')],
      script: 'dist/x.js',
      args: ['ours', '60', '{n}'],
    });
  });

  it('defaults to three runs each of 1 and 11 units, no cache model', () => {
    const options = parseOptions(['--repo', '.', 's.js', '{n}']);
    expect([options.cacheSim, options.repeat, options.lo, options.hi]).toEqual([false, 3, 1, 11]);
  });

  it.each([
    [['s.js', '{n}'], 'name at least one --repo'],
    [['--repo', '.'], 'name the script to run'],
    [['--repo', '.', 's.js', '5'], 'one argument must be {n}'],
    [['--lo', '5', '--hi', '5', '--repo', '.', 's.js', '{n}'], '--hi must be above --lo'],
    [['--repeat', '0', '--repo', '.', 's.js', '{n}'], '--repeat takes a whole number'],
    [['--lo', 'x', '--repo', '.', 's.js', '{n}'], '--lo takes a whole number'],
  ])('refuses %j: %s', (argv, problem) => {
    expect(() => parseOptions(argv)).toThrow(problem);
  });

  it("reads cachegrind's summary numbers, with their thousands separators", () => {
    const summary = [
      '==1234== I   refs:      7,954,406,917',
      '==1234== D1  misses:        12,345  (  10,000 rd   +   2,345 wr)',
      '==1234== LLd misses:           678  (     600 rd   +      78 wr)',
    ].join('\n');
    expect(summaryNumber(summary, /I\s+refs:/)).toBe(7_954_406_917);
    expect(summaryNumber(summary, /D1\s+misses:/)).toBe(12_345);
    expect(summaryNumber(summary, /LLd\s+misses:/)).toBe(678);
    expect(summaryNumber('no summary', /I\s+refs:/)).toBeUndefined();
  });
});
