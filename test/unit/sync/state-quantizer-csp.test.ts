import { type EntityRecord, EntityTable, entity, float, int, stateToCodes, vec2 } from 'vehikill-net/sync';
import { describe, expect, it, vi } from 'vitest';
import { TypeCoder } from '../../../src/sync/snapshot/type-coder.js';
import { StateQuantizer } from '../../../src/sync/state-quantizer.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

// Its own file, in a process of its own (OWN_MODULES in vitest.config.ts): the refusal is remembered for
// the module's lifetime, as it is on a page.
const Car = entity('car', {
  x: float({ min: -50, max: 50, precision: 0.01 }),
  hp: int({ min: 0, max: 100 }),
  at: vec2({ min: 0, max: 10, precision: 0.1 }),
});
const Rock = entity('rock', { size: int({ min: 1, max: 9 }) });

/** What a page without 'unsafe-eval' in its Content-Security-Policy does to `new Function`. */
class RefusedFunction {
  static attempts = 0;
  constructor() {
    RefusedFunction.attempts++;
    throw new EvalError(
      "Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source of script",
    );
  }
}

describe('under a Content-Security-Policy that forbids generated code', () => {
  it('asks once, then quantizes every type with the loop, with the same codes, errors and identity', () => {
    const random = seededRandom(5);
    const car = () => ({
      x: (random() - 0.5) * 120,
      hp: random() * 110,
      at: { x: random() * 10, y: random() * 10 },
    });
    vi.stubGlobal('Function', RefusedFunction);
    let quantizers: StateQuantizer[];
    const table = new EntityTable();
    const states = Array.from({ length: 200 }, car);
    const written: Array<[EntityRecord | undefined, EntityRecord | undefined]> = [];
    let wrongType: unknown;
    try {
      quantizers = [new StateQuantizer(Car), new StateQuantizer(Rock)];
      const id = table.spawn(Car, states[0] as never);
      for (const state of states) {
        const before = table.get(id);
        table.update(id, Car, state as never);
        written.push([before, table.get(id)]);
      }
      table.spawn(Rock, { size: 4 });
      try {
        stateToCodes(Car, { ...car(), hp: 'full' } as never);
      } catch (error) {
        wrongType = error;
      }
    } finally {
      vi.unstubAllGlobals();
    }
    expect(RefusedFunction.attempts).toBe(1);
    expect(quantizers.map((quantizer) => quantizer.generated)).toEqual([false, false]);
    // Remembered: no new attempt once allowed again (a page's policy does not change).
    const later = entity('later', {
      n: int({ min: 0, max: 3 }),
      x: float({ min: 0, max: 9, precision: 0.01 }),
    });
    expect(new StateQuantizer(later).generated).toBe(false);
    // The change pass and motion writes of shared bodies learn it from the same refusal (type-coder.test.ts
    // runs their loops).
    expect(new TypeCoder(later).generated).toBe(false);
    expect(RefusedFunction.attempts).toBe(1);
    written.forEach(([before, after], index) => {
      const state = states[index] as Record<string, unknown>;
      const expected = Car.fields.map((field, at) =>
        field.quantize(state[Car.fieldNames[at] as string] as never),
      );
      expect(after?.codes).toEqual(expected);
      const same = JSON.stringify(before?.codes) === JSON.stringify(expected);
      expect(after === before).toBe(same);
    });
    expect(written.some(([before, after]) => before === after)).toBe(true);
    expect(wrongType).toEqual(new TypeError('car.hp: expected a number, got string'));
  });
});
