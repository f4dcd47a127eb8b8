import { EncodingCache, type EntityCodes, SnapshotEncoder, stateToCodes } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { settledCollection } from '../../../support/garbage.js';
import { Car, car, registry, world } from './harness.js';

/** A car's codes in an array of their own (as an EntityTable makes when a state changes). */
const carCodes = (x: number): EntityCodes => stateToCodes(Car, car(x));

/** Weak references to `count` states each encoded in full and as a delta once, then dropped. */
function encodedAndDropped(cache: EncodingCache, count: number): WeakRef<EntityCodes>[] {
  const refs: WeakRef<EntityCodes>[] = [];
  let baseline = carCodes(-100);
  for (let index = 0; index < count; index++) {
    const codes = carCodes((index % 200) - 100);
    cache.full(Car, codes);
    cache.changes(Car, codes, baseline);
    baseline = codes;
    refs.push(new WeakRef(codes));
  }
  return refs;
}

describe('EncodingCache', () => {
  it('encodes a frame once for the clients of a tick that hold the same baseline', () => {
    const table = world(20);
    const cache = new EncodingCache();
    const encoders = Array.from({ length: 8 }, () => new SnapshotEncoder(registry, { cache }));
    for (const encoder of encoders) encoder.encode(table.frame(0));
    const first = cache.stats;
    // Only the first client's full states were encoded; the others found them.
    expect(first.misses).toBe(20);
    expect(first.hits).toBe(7 * 20);
  });

  it('lets go of the states it encoded once two later ticks were started without them', async () => {
    const cache = new EncodingCache();
    cache.startFrame(0);
    const refs = encodedAndDropped(cache, 50);
    cache.startFrame(1);
    cache.startFrame(2);
    await settledCollection();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    // The cache still serves what comes next.
    const codes = carCodes(5);
    expect(cache.full(Car, codes)).toBe(cache.full(Car, codes));
  });

  it('stays bounded when every frame has the same tick', async () => {
    const cache = new EncodingCache();
    cache.startFrame(7);
    const refs = encodedAndDropped(cache, 140_000);
    for (let tick = 0; tick < 3; tick++) cache.startFrame(7);
    await settledCollection();
    const held = refs.filter((ref) => ref.deref() !== undefined).length;
    // At most two generations of 65,536 entries, and their deltas' baselines, are held.
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(2 * 65_536 + 1);
    expect(refs[0]?.deref()).toBeUndefined();
  });
});
