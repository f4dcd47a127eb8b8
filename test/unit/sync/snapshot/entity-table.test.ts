import { EntityTable, entity, float, int, stateToCodes } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/transport/simulated/seeded-random.js';

const Ship = entity('ship', {
  x: float({ min: 0, max: 100, precision: 0.5 }),
  hp: int({ min: 0, max: 10 }),
});
const Rock = entity('rock', { size: int({ min: 0, max: 3 }) });

describe('EntityTable.update', () => {
  it('keeps the record while the state quantizes to the same codes, and replaces it when a code changes', () => {
    const random = seededRandom(11);
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    for (let step = 0; step < 200; step++) {
      const before = table.get(id);
      const frame = table.frame(step);
      // Half the time a move under a quarter step (same code), otherwise anywhere in the range.
      const x = random() < 0.5 ? (before?.codes[0] as number) * 0.5 + (random() - 0.5) * 0.4 : random() * 100;
      const hp = random() < 0.8 ? 5 : Math.floor(random() * 11);
      table.update(id, Ship, { x, hp });
      const after = table.get(id);
      const codes = stateToCodes(Ship, { x, hp });
      expect(after?.codes).toEqual(codes);
      const unchanged = codes.every((code, index) => code === before?.codes[index]);
      expect(after === before).toBe(unchanged);
      expect(after?.codes === before?.codes).toBe(unchanged);
      // A frame taken before the update still holds the old record.
      expect(frame.entities.get(id)).toBe(before);
    }
  });

  it('throws for a state with no codes and leaves the record as it was', () => {
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    const before = table.get(id);
    expect(() => table.update(id, Ship, null as never)).toThrow(TypeError);
    expect(() => table.update(id, Ship, { x: Number.NaN, hp: 1 })).toThrow(RangeError);
    expect(() => table.update(id, Ship, { x: 20, hp: 'full' as never })).toThrow(TypeError);
    expect(() => table.update(id, Rock as never, { size: 1 } as never)).toThrow(RangeError);
    expect(table.get(id)).toBe(before);
    table.update(id, Ship, { x: 20, hp: 5 });
    expect(table.get(id)?.codes).toEqual(stateToCodes(Ship, { x: 20, hp: 5 }));
  });
});
