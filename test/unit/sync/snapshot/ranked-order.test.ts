import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RankedOrder } from '../../../../src/sync/snapshot/ranked-order.js';

interface Keys {
  readonly id: number;
  readonly group: number;
  readonly priority: number;
}

/** The order the accumulator promises: group ascending, priority descending (equal Infinities tie), id ascending. */
function sorted(keys: readonly Keys[]): number[] {
  return keys
    .map((key, index) => ({ ...key, index }))
    .sort((a, b) => a.group - b.group || b.priority - a.priority || a.id - b.id)
    .map((key) => key.index);
}

function popAll(order: RankedOrder): number[] {
  const popped: number[] = [];
  for (let index = order.pop(); index >= 0; index = order.pop()) popped.push(index);
  return popped;
}

const priorities = fc.oneof(
  fc.constantFrom(0, 1, 2, 0.25, Number.POSITIVE_INFINITY, Number.MAX_VALUE),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);

describe('RankedOrder', () => {
  it('pops candidates in exactly the sorted sending order, however the keys tie', () => {
    const order = new RankedOrder();
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 24 }), { maxLength: 300 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), priorities), { minLength: 300, maxLength: 300 }),
        (ids, keyParts) => {
          const keys = ids.map((id, index) => {
            const [group, priority] = keyParts[index] as [number, number];
            return { id, group, priority };
          });
          order.reset(keys.length);
          keys.forEach((key, index) => {
            order.set(index, key.id, key.group, key.priority);
          });
          order.build(keys.length);
          expect(popAll(order)).toEqual(sorted(keys));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is reused from one ranking to the next: a shorter one leaves nothing of a longer one', () => {
    const order = new RankedOrder();
    order.reset(40);
    for (let index = 0; index < 40; index++) order.set(index, index, 2, 40 - index);
    order.build(40);
    expect(order.pop()).toBe(0);
    order.reset(3);
    order.set(0, 7, 2, 1);
    order.set(1, 3, 0, 0);
    order.set(2, 5, 2, 1);
    order.build(3);
    expect(popAll(order)).toEqual([1, 2, 0]);
    expect(order.pop()).toBe(-1);
  });
});
