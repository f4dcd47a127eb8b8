import { describe, expect, it } from 'vitest';
import { SEQ_MODULO, seqDistance, seqOf } from '../../../../src/sync/snapshot/seq.js';
import { seededRandom } from '../../../../src/transport/simulated/seeded-random.js';

/** The wrapping arithmetic as written first: remainders, the sign put right. */
const modulo = (value: number) => ((value % SEQ_MODULO) + SEQ_MODULO) % SEQ_MODULO;

describe('seq arithmetic by masks', () => {
  const random = seededRandom(5);
  const counts = [
    0,
    1,
    SEQ_MODULO - 1,
    SEQ_MODULO,
    SEQ_MODULO + 1,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 + 7,
    2 ** 53 - 1,
  ];
  for (let draw = 0; draw < 300; draw++) counts.push(Math.floor(random() * 2 ** 40));

  it("gives a count's seq as its remainder", () => {
    expect(SEQ_MODULO).toBe(65_536);
    for (const at of counts) expect(seqOf(at), String(at)).toBe(at % SEQ_MODULO);
  });

  it('gives the wrapping distance of any two integers, either way round', () => {
    for (const later of counts.slice(0, 60)) {
      for (const earlier of counts.slice(0, 60)) {
        expect(seqDistance(later, earlier), `${later} ${earlier}`).toBe(modulo(later - earlier));
      }
    }
    expect(seqDistance(3, 65_535)).toBe(4);
    expect(seqDistance(65_535, 3)).toBe(65_532);
  });

  it('gives the old answer for numbers that are not integers', () => {
    for (const [later, earlier] of [
      [3.5, 1],
      [1, 3.5],
      [0.25, 65_535],
    ] as const) {
      expect(seqDistance(later, earlier)).toBe(modulo(later - earlier));
    }
  });
});
