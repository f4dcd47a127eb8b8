import { setFlagsFromString } from 'node:v8';
import { angle, entity, float, int, string } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { StateQuantizer } from '../../../src/sync/state-quantizer.js';

// V8's own test for an array's elements kind: generic (tagged) elements, packed or holey.
setFlagsFromString('--allow-natives-syntax');
const hasGenericElements = new Function('array', 'return %HasObjectElements(array)') as (
  array: unknown,
) => boolean;

const Car = entity('car', {
  x: float({ min: 0, max: 1000, precision: 0.01 }),
  heading: angle({ bits: 10 }),
  hp: int({ min: 0, max: 100 }),
});
const Named = entity('named', {
  name: string({ maxLength: 16 }),
  x: float({ min: 0, max: 10, precision: 0.5 }),
});

describe('codes arrays', () => {
  // Readers of codes (the change pass, the body writer, the checksum) that meet two kinds of array are
  // optimized to convert one kind to the other, array by array (src/sync/codes-scratch.ts).
  it.each([
    ['generated', {}],
    ['loop', { generate: false }],
  ] as const)('are of one generic kind on the %s path, whatever their values', (_, options) => {
    const car = new StateQuantizer(Car, options);
    const small = car.codes({ x: 0, heading: 0, hp: 0 });
    const large = car.codes({ x: 999.99, heading: -3, hp: 100 });
    const changed = car.changedCodes({ x: 1.5, heading: 1, hp: 7 }, small);
    const stash = new Float64Array(3);
    expect(car.stash({ x: 2.25, heading: 2, hp: 9 }, stash)).toBe(true);
    const fromStash = car.codesFromStash(stash, small);
    const named = new StateQuantizer(Named, options).codes({ name: 'Ada', x: 2 });
    for (const codes of [small, large, changed, fromStash, named]) {
      expect(codes).toBeDefined();
      expect(hasGenericElements(codes)).toBe(true);
    }
  });
});
