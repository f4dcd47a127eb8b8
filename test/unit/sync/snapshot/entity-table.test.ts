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

  it('quantizes a float, int and angle type once when read, to the codes of its newest state', () => {
    const random = seededRandom(12);
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    for (let round = 0; round < 200; round++) {
      const before = table.frame(round).entities.get(id);
      // Several writes between two reads, as a simulation stepping faster than its snapshots; the last
      // one sometimes back on the codes the entity had.
      let last = { x: 0, hp: 0 };
      for (let step = 0; step < 1 + Math.floor(random() * 4); step++) {
        last = { x: random() * 100, hp: Math.floor(random() * 11) };
        table.update(id, Ship, last);
      }
      if (random() < 0.3) {
        last = { x: (before?.codes[0] as number) * 0.5, hp: before?.codes[1] as number };
        table.update(id, Ship, last);
      }
      const after = random() < 0.5 ? table.get(id) : table.frame(round).entities.get(id);
      const codes = stateToCodes(Ship, last);
      expect(after?.codes).toEqual(codes);
      const unchanged = codes.every((code, index) => code === before?.codes[index]);
      expect(after === before).toBe(unchanged);
      expect(table.get(id)).toBe(after);
    }
  });

  it('copies the written values: the caller may change its state object afterwards', () => {
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    const state = { x: 30, hp: 2 };
    table.update(id, Ship, state);
    state.x = 90;
    state.hp = 9;
    expect(table.frame(1).entities.get(id)?.codes).toEqual(stateToCodes(Ship, { x: 30, hp: 2 }));
  });

  it('keeps the newest accepted state when a refused one follows it', () => {
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    table.update(id, Ship, { x: 40, hp: 3 });
    expect(() => table.update(id, Ship, { x: 50, hp: Number.NaN })).toThrow(RangeError);
    expect(() => table.update(id, Ship, null as never)).toThrow(TypeError);
    expect(table.get(id)?.codes).toEqual(stateToCodes(Ship, { x: 40, hp: 3 }));
    table.update(id, Ship, { x: 60, hp: 4 });
    expect(() => table.update(id, Ship, { x: '70', hp: 4 } as never)).toThrow(TypeError);
    expect(table.frame(1).entities.get(id)?.codes).toEqual(stateToCodes(Ship, { x: 60, hp: 4 }));
  });

  it('lets updateCodes replace a written state not read yet', () => {
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    table.update(id, Ship, { x: 40, hp: 3 });
    table.updateCodes(id, stateToCodes(Ship, { x: 80, hp: 1 }));
    expect(table.get(id)?.codes).toEqual(stateToCodes(Ship, { x: 80, hp: 1 }));
  });
});
