import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsHistory } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

const T0 = 1_700_000_000_000; // a whole second

describe('MetricsHistory', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps one point per second, the later sample of a second replacing the earlier', () => {
    const history = new MetricsHistory({ series: ['a'], capacity: 10 });
    history.record(T0 + 100, { a: 1 });
    history.record(T0 + 900, { a: 2 });
    history.record(T0 + 1_000, { a: 3 });
    expect(history.last('a', 10)).toEqual([2, 3]);
    expect(history.series('a')).toEqual({ t: [T0, T0 + 1_000], v: [2, 3] });
  });

  it('leaves a gap (null) for seconds without a sample, and ignores time going backwards', () => {
    const history = new MetricsHistory({ series: ['a'], capacity: 10 });
    history.record(T0, { a: 1 });
    history.record(T0 + 3_000, { a: 4 });
    history.record(T0 + 1_000, { a: 99 });
    expect(history.series('a').v).toEqual([1, null, null, 4]);
  });

  it('wraps: holds only the newest `capacity` seconds, oldest first', () => {
    const history = new MetricsHistory({ series: ['a', 'b'], capacity: 5 });
    for (let s = 0; s < 12; s++) history.record(T0 + s * 1_000, { a: s, b: -s });
    expect(history.last('a', 100)).toEqual([7, 8, 9, 10, 11]);
    expect(history.last('b', 2)).toEqual([-10, -11]);
    expect(history.end).toBe(T0 + 11_000);
    // A jump longer than the ring blanks all of it.
    history.record(T0 + 60_000, { a: 60 });
    expect(history.series('a').v).toEqual([null, null, null, null, 60]);
    expect(history.latest('b')).toBeNaN();
  });

  it('keeps an hour by default in fixed memory', () => {
    const history = new MetricsHistory({ series: ['a'] });
    for (let s = 0; s < 4_000; s++) history.record(T0 + s * 1_000, { a: s });
    const kept = history.last('a', 10_000);
    expect(kept).toHaveLength(3_600);
    expect(kept[0]).toBe(400);
  });

  it('saves a copy as it was: seconds recorded while the save is under way are not in it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'history-')), 'history.json');
    const history = new MetricsHistory({ series: ['a', 'b', 'c'], capacity: 10 });
    for (let s = 0; s < 5; s++) history.record(T0 + s * 1_000, { a: s, b: s, c: s });
    const copy = history.copy();
    const saving = copy.save(file);
    history.record(T0 + 5_000, { a: 5, b: 5, c: 5 });
    await saving;
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.end).toBe(T0 + 4_000);
    expect(saved.series).toEqual({ a: [0, 1, 2, 3, 4], b: [0, 1, 2, 3, 4], c: [0, 1, 2, 3, 4] });
    expect(history.last('a', 10)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('leaves no temporary file behind when a save fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const file = join(dir, 'history.json');
    // A directory holding a file where the history goes: the save's last step, the rename, fails.
    mkdirSync(file);
    writeFileSync(join(file, 'kept'), '');
    const history = new MetricsHistory({ series: ['a'], capacity: 5 });
    history.record(T0, { a: 1 });
    await expect(history.save(file)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['history.json']);
  });

  it('fails a save under a directory that takes no new names (/proc) rather than hang', async () => {
    const history = new MetricsHistory({ series: ['a'], capacity: 5 });
    history.record(T0, { a: 1 });
    // Node's recursive mkdir never settles here: the shutdown's last save held the process for good.
    await expect(history.save(`/proc/vehikill-history-${process.pid}/deeper/history.json`)).rejects.toThrow(
      /ENOENT.*mkdir '\/proc\/vehikill-history-\d+'/,
    );
  });

  it('makes the missing directories of a save, and saves into one that exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const history = new MetricsHistory({ series: ['a'], capacity: 5 });
    history.record(T0, { a: 1 });
    await history.save(join(dir, 'one', 'two', 'history.json'));
    await history.save(join(dir, 'one', 'two', 'again.json'));
    expect(readdirSync(join(dir, 'one', 'two')).sort()).toEqual(['again.json', 'history.json']);
  });

  it('round-trips through a file, and starts empty (with a warning) from a corrupt one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const file = join(dir, 'nested', 'history.json');
    const history = new MetricsHistory({ series: ['a', 'b'], capacity: 30 });
    for (let s = 0; s < 40; s++) if (s % 7 !== 0) history.record(T0 + s * 1_000, { a: s * 0.5, b: s });
    await history.save(file);
    // Written piece by piece, it is the same JSON as the history's own.
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(history));
    const loaded = await MetricsHistory.load(file, { series: ['a', 'b', 'c'], capacity: 30 });
    expect(loaded.series('a')).toEqual(history.series('a'));
    expect(loaded.series('b')).toEqual(history.series('b'));
    expect(loaded.series('c').v.every((v) => v === null)).toBe(true);
    // It carries on from where it was: the next second follows on.
    loaded.record(T0 + 40_000, { a: 1 });
    expect(loaded.last('a', 2)).toEqual([19.5, 1]);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 50));
    const fromCorrupt = await MetricsHistory.load(file, { series: ['a'] });
    expect(fromCorrupt.end).toBeUndefined();
    expect(fromCorrupt.last('a', 10)).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('unreadable'));
    writeFileSync(file, JSON.stringify({ version: 1, resolutionMs: 1000, end: T0, series: { a: ['x'] } }));
    expect((await MetricsHistory.load(file, { series: ['a'] })).end).toBeUndefined();

    // An end past what a time can be (a damaged digit): once it stopped the server starting, in a loop
    // where adding a second no longer changed the number.
    warn.mockClear();
    writeFileSync(file, JSON.stringify({ version: 1, resolutionMs: 1000, end: 1e22, series: { a: [1, 2] } }));
    expect((await MetricsHistory.load(file, { series: ['a'] })).end).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('unreadable'));

    // No file yet (first start) is not worth a warning.
    warn.mockClear();
    expect((await MetricsHistory.load(join(dir, 'none.json'), { series: ['a'] })).end).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });
});
