import * as fc from 'fast-check';
import {
  bool,
  EntityTable,
  entity,
  entityRegistry,
  enumOf,
  float,
  int,
  type StateOf,
  string,
  type WorldFrame,
} from 'vehikill-net/sync';

export const Car = entity('car', {
  x: float({ min: -100, max: 100, precision: 0.01 }),
  hp: int({ min: 0, max: 100 }),
  name: string({ maxLength: 8 }),
});
export const Pickup = entity('pickup', {
  kind: enumOf(['ammo', 'health', 'boost']),
  active: bool(),
});
export const registry = entityRegistry([Car, Pickup]);

export type CarState = StateOf<typeof Car>;
export type PickupState = StateOf<typeof Pickup>;

export const carState: fc.Arbitrary<CarState> = fc.record({
  x: fc.double({ min: -120, max: 120, noNaN: true }),
  hp: fc.integer({ min: 0, max: 100 }),
  name: fc.string({ maxLength: 8, unit: 'grapheme-ascii' }),
});
export const pickupState: fc.Arbitrary<PickupState> = fc.record({
  kind: fc.constantFrom('ammo', 'health', 'boost'),
  active: fc.boolean(),
});

export function car(x: number, hp = 100, name = 'ada'): CarState {
  return { x, hp, name };
}

/** A world of `cars` cars and `pickups` pickups, ids 0.. in that order. */
export function world(cars: number, pickups = 0): EntityTable {
  const table = new EntityTable();
  for (let index = 0; index < cars; index++) table.spawn(Car, car(index));
  for (let index = 0; index < pickups; index++) table.spawn(Pickup, { kind: 'ammo', active: true });
  return table;
}

/** Frames by snapshot seq, to check what the client holds against what the server had. */
export class FrameLog {
  readonly #frames = new Map<number, WorldFrame>();

  set(seq: number, frame: WorldFrame): void {
    this.#frames.set(seq, frame);
  }

  get(seq: number): WorldFrame {
    const frame = this.#frames.get(seq);
    if (frame === undefined) throw new Error(`no frame for seq ${seq}`);
    return frame;
  }
}
