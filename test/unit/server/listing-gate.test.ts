import { describe, expect, it } from 'vitest';
import { ListingGate } from '../../../src/server/rooms/listing-gate.js';

/** A read that resolves when told to. */
function pending(): { read: () => Promise<string>; finish: (value: string) => void; started: () => boolean } {
  let resolve: (value: string) => void = () => {};
  let began = false;
  const promise = new Promise<string>((done) => {
    resolve = done;
  });
  return {
    read: () => {
      began = true;
      return promise;
    },
    finish: (value) => resolve(value),
    started: () => began,
  };
}

describe('ListingGate', () => {
  it('runs so many at once, lets a few wait their turn in order, and refuses the rest RATE_LIMITED', async () => {
    let refused = 0;
    const gate = new ListingGate({ concurrent: 2, maxWaiting: 1, onRefused: () => refused++ });
    const [a, b, c, d] = [pending(), pending(), pending(), pending()];
    const runs = [gate.run(a.read), gate.run(b.read), gate.run(c.read)];
    await expect(gate.run(d.read)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused).toBe(1);
    await Promise.resolve();
    expect([a.started(), b.started(), c.started(), d.started()]).toEqual([true, true, false, false]);
    a.finish('a');
    expect(await runs[0]).toBe('a');
    await Promise.resolve();
    expect(c.started()).toBe(true);
    b.finish('b');
    c.finish('c');
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c']);
    // All done: the places are free again.
    const e = pending();
    const run = gate.run(e.read);
    await Promise.resolve();
    expect(e.started()).toBe(true);
    e.finish('e');
    expect(await run).toBe('e');
  });

  it('frees the place of a read that failed', async () => {
    const gate = new ListingGate({ concurrent: 1, maxWaiting: 0 });
    await expect(gate.run(() => Promise.reject(new Error('registry down')))).rejects.toThrow('registry down');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
