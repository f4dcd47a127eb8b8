import {
  angle,
  bool,
  changeMask,
  EntityTable,
  entity,
  entityRegistry,
  enumOf,
  float,
  int,
  quaternion,
  SnapshotEncoder,
  stateToCodes,
  string,
  vec2,
} from 'vehikill-net/sync';
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

const Everything = entity('everything', {
  x: float({ min: -10, max: 10, precision: 0.5 }),
  hp: int({ min: 0, max: 10 }),
  heading: angle({ bits: 6 }),
  on: bool(),
  mode: enumOf(['idle', 'driving', 'wrecked']),
  at: vec2({ min: 0, max: 10, precision: 1 }),
  turn: quaternion({ bits: 4 }),
  name: string({ maxLength: 4 }),
});
const everything = {
  x: 1,
  hp: 5,
  heading: 1,
  on: true,
  mode: 'driving' as const,
  at: { x: 2, y: 3 },
  turn: { x: 0, y: 0, z: 0, w: 1 },
  name: 'ab',
};

describe('EntityTable.updateCodes', () => {
  // A code no quantize gives, per field: what a caller's own codec or arithmetic could hand in.
  const badCodes: ReadonlyArray<[field: string, code: unknown]> = [
    ['x', 41],
    ['x', -1],
    ['x', 2.5],
    ['x', Number.NaN],
    ['x', Number.POSITIVE_INFINITY],
    ['x', '3'],
    ['hp', 11],
    ['hp', undefined],
    ['heading', 64],
    ['on', 2],
    ['on', true],
    ['mode', 3],
    ['at', [1]],
    ['at', [1, 11]],
    ['at', 4],
    ['turn', [3, 7, 7]],
    ['turn', [4, 7, 7, 7]],
    // Not canonical: a stored component larger than the rebuilt one.
    ['turn', [3, 14, 14, 14]],
    ['name', 'abcde'],
    ['name', '\uD800'],
    ['name', 5],
  ];

  it.each(badCodes)(
    'refuses %s = %o with a RangeError naming the entity and field, storing nothing',
    (field, code) => {
      const table = new EntityTable();
      table.spawn(Ship, { x: 1, hp: 1 });
      const id = table.spawn(Everything, everything);
      table.update(id, Everything, { ...everything, hp: 7 });
      const before = table.get(id);
      const codes: unknown[] = [...(before?.codes ?? [])];
      codes[Everything.fieldNames.indexOf(field as never)] = code;
      expect(() => table.updateCodes(id, codes as never)).toThrow(RangeError);
      expect(() => table.updateCodes(id, codes as never)).toThrow(`entity ${id}, everything.${field}`);
      expect(table.get(id)).toBe(before);
      // The world still snapshots: the refused codes never reached a frame.
      const encoder = new SnapshotEncoder(entityRegistry([Ship, Everything]));
      expect(encoder.encode(table.frame(1), { budgetBytes: 1200 }).bytes.length).toBeGreaterThan(0);
    },
  );

  it('refuses codes of another length, naming the entity, and keeps a written state not read yet', () => {
    const table = new EntityTable();
    const id = table.spawn(Ship, { x: 10, hp: 5 });
    table.update(id, Ship, { x: 40, hp: 3 });
    expect(() => table.updateCodes(id, [20])).toThrow(`entity ${id}, ship: expected 2 field codes`);
    expect(() => table.updateCodes(id, null as never)).toThrow(RangeError);
    expect(() => table.updateCodes(id, [20, 99])).toThrow(RangeError);
    expect(table.get(id)?.codes).toEqual(stateToCodes(Ship, { x: 40, hp: 3 }));
  });

  it('takes every code quantize gives, and keeps the record when none changed', () => {
    const random = seededRandom(13);
    const table = new EntityTable();
    const id = table.spawn(Everything, everything);
    for (let step = 0; step < 300; step++) {
      const state = {
        x: (random() - 0.5) * 30,
        hp: random() * 12,
        heading: (random() - 0.5) * 20,
        on: random() < 0.5,
        mode: (['idle', 'driving', 'wrecked'] as const)[Math.floor(random() * 3)] as 'idle',
        at: { x: random() * 10, y: random() * 10 },
        turn: { x: random() - 0.5, y: random() - 0.5, z: random() - 0.5, w: random() - 0.5 },
        name: ['', 'a', 'é', '🚗', 'abcd'][Math.floor(random() * 5)] as string,
      };
      const before = table.get(id);
      const codes = stateToCodes(Everything, state);
      table.updateCodes(id, codes);
      const after = table.get(id);
      expect(after?.codes).toEqual(codes);
      expect(after?.codes).not.toBe(codes);
      expect(after === before).toBe(changeMask(Everything, before?.codes ?? [], codes) === 0);
    }
  });

  it("keeps its own copy of vector and quaternion codes: the caller's arrays are theirs to reuse", () => {
    const table = new EntityTable();
    const id = table.spawn(Everything, everything);
    const codes = [...stateToCodes(Everything, { ...everything, at: { x: 4, y: 5 } })];
    table.updateCodes(id, codes);
    const at = codes[5] as number[];
    at[1] = 99;
    at.length = 1;
    expect(table.get(id)?.codes[5]).toEqual([4, 5]);
    expect(() => table.updateCodes(id, codes)).toThrow('entity 0, everything.at: expected 2 component codes');
  });
});
