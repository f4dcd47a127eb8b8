import * as fc from 'fast-check';
import {
  bool,
  decodeAck,
  EntityTable,
  encodeAck,
  entity,
  entityRegistry,
  enumOf,
  float,
  int,
  SnapshotDecoder,
  type SnapshotEncoder,
  type SnapshotOutcome,
  type StateOf,
  string,
  type WorldFrame,
} from 'vehikill-net/sync';
import { expect } from 'vitest';

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

/** A property scenario's starting world: its cars (hp 50, no name) and health pickups, and their ids. */
export function scenarioWorld(cars: number, pickups: number): { table: EntityTable; ids: number[] } {
  const table = new EntityTable();
  const ids: number[] = [];
  for (let index = 0; index < cars; index++) ids.push(table.spawn(Car, car(index, 50, '')));
  for (let index = 0; index < pickups; index++)
    ids.push(table.spawn(Pickup, { kind: 'health', active: true }));
  return { table, ids };
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

export type Mutation =
  | { readonly op: 'spawnCar'; readonly state: CarState }
  | { readonly op: 'spawnPickup'; readonly state: PickupState }
  | { readonly op: 'remove'; readonly pick: number }
  | {
      readonly op: 'moveCar';
      readonly pick: number;
      readonly state: CarState;
    }
  | { readonly op: 'togglePickup'; readonly pick: number };

/** One change to the world, picking its target among the live ids. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('spawnCar' as const), state: carState }),
  fc.record({ op: fc.constant('spawnPickup' as const), state: pickupState }),
  fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  {
    arbitrary: fc.record({ op: fc.constant('moveCar' as const), pick: fc.nat(), state: carState }),
    weight: 4,
  },
  fc.record({ op: fc.constant('togglePickup' as const), pick: fc.nat() }),
);

interface InFlight<T> {
  readonly due: number;
  readonly order: number;
  readonly payload: T;
}

/** A link that loses, delays and so reorders what it carries. */
export class Link<T> {
  #queue: InFlight<T>[] = [];
  #order = 0;

  send(now: number, payload: T, lost: boolean, delay: number): void {
    if (!lost) this.#queue.push({ due: now + delay, order: this.#order++, payload });
  }

  deliver(now: number): T[] {
    const due = this.#queue
      .filter((item) => item.due <= now)
      .sort((a, b) => a.due - b.due || a.order - b.order);
    this.#queue = this.#queue.filter((item) => item.due > now);
    return due.map((item) => item.payload);
  }
}

function pickId(table: EntityTable, ids: number[], pick: number): number | undefined {
  const live = ids.filter((id) => table.get(id) !== undefined);
  return live.length === 0 ? undefined : live[pick % live.length];
}

export function mutate(table: EntityTable, ids: number[], change: Mutation): void {
  switch (change.op) {
    case 'spawnCar':
      ids.push(table.spawn(Car, change.state));
      return;
    case 'spawnPickup':
      ids.push(table.spawn(Pickup, change.state));
      return;
    case 'remove': {
      const id = pickId(table, ids, change.pick);
      if (id !== undefined) table.remove(id);
      return;
    }
    case 'moveCar': {
      const id = pickId(table, ids, change.pick);
      if (id !== undefined && table.get(id)?.type === Car) table.update(id, Car, change.state);
      return;
    }
    case 'togglePickup': {
      const id = pickId(table, ids, change.pick);
      const record = id === undefined ? undefined : table.get(id);
      if (id !== undefined && record?.type === Pickup) {
        table.updateCodes(id, [record.codes[0]!, record.codes[1] === 1 ? 0 : 1]);
      }
      return;
    }
  }
}

/** What the client holds equals the server's codes in the snapshot each entity last came in. */
export function checkAgainstLog(decoder: SnapshotDecoder, log: FrameLog): void {
  for (const id of decoder.ids()) {
    const held = decoder.get(id)!;
    const server = log.get(held.seq).entities.get(id);
    expect(server?.type).toBe(held.type);
    expect(held.codes).toEqual(server?.codes);
  }
}

/** After a complete snapshot the client holds exactly the server's world of that snapshot. */
export function checkComplete(
  decoder: SnapshotDecoder,
  frame: { entities: ReadonlyMap<number, { codes: unknown }> },
): void {
  expect(new Set(decoder.ids())).toEqual(new Set(frame.entities.keys()));
  for (const [id, record] of frame.entities) expect(decoder.get(id)?.codes).toEqual(record.codes);
}

/** A chain frame's contents as it travels: the resent snapshot (if any) goes ahead of the new one. */
export interface Chain {
  readonly resent: Uint8Array | undefined;
  readonly bytes: Uint8Array;
}

/** A seeded generator in [0, 1) (mulberry32): the same run every time. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True with probability `percent` / 100. */
export const chance = (percent: number) => fc.integer({ min: 0, max: 99 }).map((roll) => roll < percent);

/** Link delay in ticks: mostly one, so clients often are in step at the same frame and share bodies. */
export const delay = fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, fc.integer({ min: 0, max: 4 }));

/** A snapshot's fate on a client's link, and its ack's (for `fc.record`). */
export const linkFates = {
  snapshotLost: chance(15),
  snapshotDelay: delay,
  ackLost: chance(15),
  ackDelay: delay,
};

/** Every car moves on at its own steady speed: what shared bodies write as predicted motion. */
export function glide(table: EntityTable, ids: readonly number[], now: number): void {
  for (const id of ids) {
    const record = table.get(id);
    if (record?.type !== Car) continue;
    const x = -90 + ((id * 13 + now * (1 + (id % 4)) * 0.37) % 180);
    table.updateCodes(id, [Car.fields[0]!.quantize(x), record.codes[1]!, record.codes[2]!]);
  }
}

/** The outcome, which must be `applied` (with its kind narrowed), or a throw naming what it was. */
export function applied(outcome: SnapshotOutcome) {
  if (outcome.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** A client at the end of a lossy link: what it was sent each snapshot of, and both ways of the link. */
export interface LinkedClient {
  readonly encoder: SnapshotEncoder;
  readonly decoder: SnapshotDecoder;
  readonly log: FrameLog;
  readonly snapshots: Link<Uint8Array>;
  readonly acks: Link<Uint8Array>;
}

export function linkedClient(encoder: SnapshotEncoder): LinkedClient {
  return {
    encoder,
    decoder: new SnapshotDecoder(registry),
    log: new FrameLog(),
    snapshots: new Link(),
    acks: new Link(),
  };
}

/** A further check of each snapshot a client applied. */
export type AppliedCheck = (client: LinkedClient, outcome: ReturnType<typeof applied>) => void;

/**
 * Delivers what is due both ways. No snapshot may need a resync; after each one applied the client holds
 * the server's codes of the snapshot each entity last came in (after a complete one, exactly its frame).
 */
export function exchangeChecked(
  client: LinkedClient,
  now: number,
  ackLost: boolean,
  ackDelay: number,
  check?: AppliedCheck,
): void {
  for (const bytes of client.snapshots.deliver(now)) {
    const outcome = client.decoder.decode(bytes);
    expect(outcome.kind).not.toBe('resync');
    if (outcome.kind !== 'applied') continue;
    check?.(client, outcome);
    checkAgainstLog(client.decoder, client.log);
    if (outcome.complete) checkComplete(client.decoder, client.log.get(outcome.seq));
    client.acks.send(now, encodeAck(client.decoder.ack()), ackLost, ackDelay);
  }
  for (const bytes of client.acks.deliver(now)) client.encoder.receiveAck(decodeAck(bytes));
}

/**
 * The link heals and budgets lift: within 20 snapshots of `frameAt(now)` the client holds it and is in step
 * at it (a complete snapshot with nothing to send, shared mode). Answers the `now` after.
 */
export function convergeInStep(
  client: LinkedClient,
  frameAt: (now: number) => WorldFrame,
  start: number,
  check?: AppliedCheck,
): number {
  let now = start;
  let converged = false;
  for (let extra = 0; extra < 20 && !converged; extra++) {
    const frame = frameAt(now);
    const snapshot = client.encoder.encode(frame);
    client.log.set(snapshot.seq, frame);
    client.snapshots.send(now, snapshot.bytes, false, 0);
    exchangeChecked(client, now + 10, false, 0, check);
    converged = snapshot.complete && snapshot.sent.length === 0 && client.encoder.inSharedMode;
    now += 11;
  }
  expect(converged).toBe(true);
  checkComplete(client.decoder, frameAt(now));
  return now;
}
