import { angle, bool, entity, enumOf, float, int, list, string, vec2 } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  entityShare,
  hashCodes,
  hashNumberCodes,
  hasNumberCodesOnly,
} from '../../../../src/sync/snapshot/codes-hash.js';
import { seededRandom } from '../../../../src/transport/simulated/seeded-random.js';

/** What the checksum catches is what a decoder turns into a resync instead of wrong state. */
describe('snapshot checksum shares', () => {
  const random = seededRandom(20261130);
  const randomCodes = () => Array.from({ length: 6 }, () => Math.floor(random() * 2 ** 32));

  it('change with any single bit of any code, and with the id', () => {
    for (let sample = 0; sample < 50; sample++) {
      const codes = randomCodes();
      const share = entityShare(17, hashCodes(codes));
      expect(entityShare(18, hashCodes(codes))).not.toBe(share);
      for (let index = 0; index < codes.length; index++) {
        for (let bit = 0; bit < 32; bit++) {
          const changed = [...codes];
          changed[index] = ((changed[index] as number) ^ (2 ** bit)) >>> 0;
          expect(entityShare(17, hashCodes(changed))).not.toBe(share);
        }
      }
    }
  });

  it('change when the same high bit flips in two codes (a word-wise multiply alone would cancel it)', () => {
    for (let sample = 0; sample < 50; sample++) {
      const codes = randomCodes();
      const share = entityShare(3, hashCodes(codes));
      for (let first = 0; first < codes.length; first++) {
        for (let second = first + 1; second < codes.length; second++) {
          const changed = [...codes];
          changed[first] = ((changed[first] as number) ^ 0x8000_0000) >>> 0;
          changed[second] = ((changed[second] as number) ^ 0x8000_0000) >>> 0;
          expect(entityShare(3, hashCodes(changed))).not.toBe(share);
        }
      }
    }
  });

  it('hash strings and vectors by content, length included', () => {
    expect(hashCodes(['ab', 1])).not.toBe(hashCodes(['a', 1]));
    expect(hashCodes([[1, 2], 3])).not.toBe(hashCodes([[1], 2, 3]));
    expect(hashCodes([[1, 2], 3])).toBe(hashCodes([[1, 2], 3]));
  });

  it('hash a list of strings by its texts, each with its length (not as numbers, which all read 0)', () => {
    const list = hashCodes([['ab', 'c'], 1]);
    expect(hashCodes([['a', 'bc'], 1])).not.toBe(list);
    expect(hashCodes([['ab', 'd'], 1])).not.toBe(list);
    expect(hashCodes([['abc'], 1])).not.toBe(list);
    expect(hashCodes([['ab', 'c'], 1])).toBe(list);
    // A list of one text hashes as [length 1, then the text as a string code would].
    expect(hashCodes([['xy']])).not.toBe(hashCodes(['xy']));
  });

  it('hash codes that are all numbers alike through the quicker path, so both ends agree', () => {
    // Every length the general hash looks up its start for, one past it, and codes of every size.
    for (const length of [0, 1, 5, 63, 64, 70]) {
      for (let sample = 0; sample < 20; sample++) {
        const codes = Array.from({ length }, (_, i) =>
          i % 3 === 0 ? Math.floor(random() * 2 ** 32) : Math.floor(random() * 1_000),
        );
        expect(hashNumberCodes(codes)).toBe(hashCodes(codes));
      }
    }
  });

  it('take the quicker path for types whose every field has a number as its code, and no others', () => {
    const numbers = entity('numbers', {
      x: float({ min: 0, max: 1, precision: 0.01 }),
      hp: int({ min: 0, max: 9 }),
      heading: angle({ bits: 8 }),
      on: bool(),
      team: enumOf(['red', 'blue']),
    });
    expect(hasNumberCodesOnly(numbers)).toBe(true);
    expect(
      hasNumberCodesOnly(entity('named', { hp: int({ min: 0, max: 9 }), name: string({ maxLength: 4 }) })),
    ).toBe(false);
    expect(hasNumberCodesOnly(entity('placed', { at: vec2({ min: 0, max: 1, precision: 0.1 }) }))).toBe(
      false,
    );
    expect(
      hasNumberCodesOnly(entity('listed', { ids: list(int({ min: 0, max: 9 }), { maxLength: 4 }) })),
    ).toBe(false);
  });
});
