import { describe, expect, it } from 'vitest';
import { LiveLine } from '../../../bench/loadtest/live-line.js';

const ESC = '\u001b';

describe('npm run loadtest: the live progress line on a terminal', () => {
  it('replaces the line before it in place when it fits the width', () => {
    const line = new LiveLine();
    expect(line.render('a'.repeat(70), 80)).toBe(`\r${ESC}[J${'a'.repeat(70)}`);
    expect(line.render('b'.repeat(79), 80)).toBe(`\r${ESC}[J${'b'.repeat(79)}`);
  });

  it('goes back up over every row a wrapped line took, so a line wider than the terminal is not left behind', () => {
    const line = new LiveLine();
    // 190 characters on an 80-column terminal take 3 rows: the next print starts 2 rows up.
    expect(line.render('x'.repeat(190), 80)).toBe(`\r${ESC}[J${'x'.repeat(190)}`);
    expect(line.render('y'.repeat(100), 80)).toBe(`${ESC}[2A\r${ESC}[J${'y'.repeat(100)}`);
    expect(line.render('z', 80)).toBe(`${ESC}[1A\r${ESC}[Jz`);
    expect(line.render('w', 80)).toBe(`\r${ESC}[Jw`);
  });

  it('takes a line exactly as wide as the terminal as one row, and a width unknown as 80', () => {
    const line = new LiveLine();
    line.render('a'.repeat(80), 80);
    expect(line.render('b', 80)).toBe(`\r${ESC}[Jb`);
    line.render('c'.repeat(100), undefined);
    expect(line.render('d', undefined)).toBe(`${ESC}[1A\r${ESC}[Jd`);
  });
});
