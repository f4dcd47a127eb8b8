import { angle, entity } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { StateQuantizer } from '../../../src/sync/state-quantizer.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';
import { compile } from './field-harness.js';

const TURN = 2 * Math.PI;
const BITS = [1, 2, 3, 10, 16, 31, 32] as const;

/** An angle's code as the format defines it (docs/protocol.md): both remainders taken, always. */
function reference(radians: number, bits: number): number {
  const stepCount = 2 ** bits;
  const steps = Math.round((radians % TURN) / (TURN / stepCount)) % stepCount;
  return (steps < 0 ? steps + stepCount : steps) + 0;
}

/** The next double above a positive one. */
function nextUp(value: number): number {
  const double = new Float64Array([value]);
  const bits = new BigInt64Array(double.buffer);
  bits[0] = (bits[0] as bigint) + 1n;
  return double[0] as number;
}

/** The edges where skipping a remainder could go wrong, for a step count: a turn, half a step of it. */
function edges(bits: number): number[] {
  const step = TURN / 2 ** bits;
  const near = [TURN, TURN - step / 2, TURN - step / 4, TURN - 1e-12, step / 2, step, Math.PI];
  const values = [0, 1e-300, 1e300, 3 * TURN + step / 2, 1000 * TURN + 0.25];
  for (const value of near) values.push(value, nextUp(value));
  return values.flatMap((value) => [value, -value]);
}

// Both quantizing paths skip a remainder where it cannot change its operand (a double's % is slow);
// what they give must still be the remainder formula's code, bit for bit (-0 never).
describe('an angle quantized without the remainders it does not need', () => {
  const random = seededRandom(17);
  for (const bits of BITS) {
    const field = compile(angle({ bits }), 'spin');
    const generated = new StateQuantizer(entity('spinner', { spin: angle({ bits }) }));
    const values = [...edges(bits), ...Array.from({ length: 500 }, () => (random() - 0.5) * 6 * TURN)];

    it(`gives the remainder formula's code at ${bits} bits, through the field and the generated code`, () => {
      expect(generated.generated).toBe(true);
      const numbers = new Float64Array(1);
      for (const radians of values) {
        const expected = reference(radians, bits);
        expect(Object.is(field.quantize(radians), expected), `${radians}: field`).toBe(true);
        expect(Object.is(generated.codes({ spin: radians })[0], expected), `${radians}: codes`).toBe(true);
        expect(generated.stash({ spin: radians }, numbers)).toBe(true);
        // Against a current code no angle has, so the codes always come back.
        const fromStash = generated.codesFromStash(numbers, [-1]);
        expect(Object.is(fromStash?.[0], expected), `${radians}: stash`).toBe(true);
      }
    });
  }
});
