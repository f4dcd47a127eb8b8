import { BitWriter } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  type EntityCodes,
  entity,
  enumOf,
  type FieldCode,
  float,
  int,
  list,
  quaternion,
  stateToCodes,
  string,
  vec3,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { CodesCheck } from '../../../src/sync/codes-check.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

const Mixed = entity('mixed', {
  x: float({ min: -50, max: 50, precision: 0.01 }),
  odd: float({ min: 0.3, max: 7.1, precision: 0.7 }),
  heading: angle({ bits: 10 }),
  spin: angle({ bits: 32 }),
  hp: int({ min: -100, max: 100 }),
  alive: bool(),
  team: enumOf(['red', 'blue', 'green']),
  name: string({ maxLength: 4 }),
  at: vec3({ min: 0, max: 100, precision: 0.1 }),
  turn: quaternion({ bits: 5 }),
  ammo: list(int({ min: 0, max: 99 }), { maxLength: 3 }),
  tags: list(string({ maxLength: 3 }), { maxLength: 2 }),
});

const random = seededRandom(23);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

function validCodes(): EntityCodes {
  return stateToCodes(Mixed, {
    x: (random() - 0.5) * 100,
    odd: random() * 8,
    heading: (random() - 0.5) * 10,
    spin: (random() - 0.5) * 10,
    hp: (random() - 0.5) * 200,
    alive: random() < 0.5,
    team: pick(['red', 'blue', 'green'] as const),
    name: pick(['', 'ab', 'é', '🚗', 'abcd']),
    at: { x: random() * 100, y: random() * 100, z: random() * 100 },
    turn: { x: random() - 0.5, y: random() - 0.5, z: random() - 0.5, w: random() - 0.5 },
    ammo: pick([[], [0], [99, 1], [5, 6, 7]]),
    tags: pick([[], ['a'], ['', 'é'], ['abc', 'éa']]),
  });
}

/** Codes a caller might get wrong: each field's edges and just past them, other types, other shapes. */
function oddCode(code: FieldCode): unknown {
  return pick<unknown>([
    -1,
    -0,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 32,
    2 ** 32 - 1,
    1,
    2,
    3,
    200,
    201,
    '1',
    undefined,
    null,
    [],
    Array.isArray(code) ? [...code, 0] : [code],
    Array.isArray(code) ? code.map((part) => part + 1) : code,
    Array.isArray(code) ? code.slice(1) : code,
    [3, 31, 31, 31],
    [0, 15, 15, 15],
    [1000, 0, 0],
    // Quaternion codes in range, canonical or not.
    [Math.floor(random() * 4), ...[0, 0, 0].map(() => Math.floor(random() * 31))],
    'abcde',
    '\uDC00',
    // List codes: too long, an element out of range or of the other kind, a text too long.
    [1, 2, 3, 4],
    [100],
    ['a', 'b', 'c'],
    ['abcd'],
    [0, 'a'],
  ]);
}

function outcome(check: CodesCheck, codes: unknown, current: EntityCodes): unknown {
  try {
    return check.changedCopy(codes as EntityCodes, current, 7);
  } catch (error) {
    return error instanceof RangeError ? `RangeError: ${error.message}` : error;
  }
}

describe('CodesCheck', () => {
  it('takes the same codes, copies the same and refuses the same with the same words, generated or not', () => {
    const generated = new CodesCheck(Mixed);
    const loop = new CodesCheck(Mixed, { generate: false });
    expect([generated.generated, loop.generated]).toEqual([true, false]);
    let refused = 0;
    let unchanged = 0;
    for (let round = 0; round < 3000; round++) {
      const current = validCodes();
      const codes: unknown[] = random() < 0.3 ? [...current] : [...validCodes()];
      const odd = random() < 0.6 ? Math.floor(random() * codes.length) : -1;
      if (odd >= 0) codes[odd] = oddCode(current[odd] as FieldCode);
      const expected = outcome(loop, codes, current);
      expect(outcome(generated, codes, current)).toEqual(expected);
      if (typeof expected === 'string') refused++;
      else if (expected === undefined) unchanged++;
      else expect(expected).toEqual(codes);
      // A code is refused exactly when its field would not write it.
      const byField = codes.every((code, index) => {
        try {
          Mixed.fields[index]?.write(new BitWriter(), code as never);
          return true;
        } catch {
          return false;
        }
      });
      expect(typeof expected === 'string').toBe(!byField);
    }
    expect(refused).toBeGreaterThan(300);
    expect(unchanged).toBeGreaterThan(100);
  });
});
