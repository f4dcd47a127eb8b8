import * as fc from 'fast-check';
import {
  decodeAck,
  EncodingCache,
  EntityTable,
  encodeAck,
  PriorityAccumulator,
  SnapshotDecoder,
  SnapshotEncoder,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  Car,
  type CarState,
  carState,
  FrameLog,
  Pickup,
  type PickupState,
  pickupState,
  registry,
} from './harness.js';

type Mutation =
  | { readonly op: 'spawnCar'; readonly state: CarState }
  | { readonly op: 'spawnPickup'; readonly state: PickupState }
  | { readonly op: 'remove'; readonly pick: number }
  | {
      readonly op: 'moveCar';
      readonly pick: number;
      readonly state: CarState;
    }
  | { readonly op: 'togglePickup'; readonly pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('spawnCar' as const), state: carState }),
  fc.record({ op: fc.constant('spawnPickup' as const), state: pickupState }),
  fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  {
    arbitrary: fc.record({ op: fc.constant('moveCar' as const), pick: fc.nat(), state: carState }),
    weight: 4,
  },
  fc.record({ op: fc.constant('togglePickup' as const), pick: fc.nat() }),
);

/** One server tick: world changes, then the snapshot's fate and its ack's. */
const step = fc.record({
  mutations: fc.array(mutation, { maxLength: 6 }),
  snapshotLost: fc.boolean(),
  snapshotDelay: fc.integer({ min: 0, max: 4 }),
  ackLost: fc.boolean(),
  ackDelay: fc.integer({ min: 0, max: 4 }),
});

const scenario = fc.record({
  initialCars: fc.integer({ min: 0, max: 12 }),
  initialPickups: fc.integer({ min: 0, max: 12 }),
  // Bytes per snapshot; the smallest still fits the header and the largest record.
  budget: fc.oneof(fc.integer({ min: 40, max: 200 }), fc.constant(Number.POSITIVE_INFINITY)),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});

interface InFlight<T> {
  readonly due: number;
  readonly order: number;
  readonly payload: T;
}

/** A link that loses, delays and so reorders what it carries. */
class Link<T> {
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

function mutate(table: EntityTable, ids: number[], change: Mutation): void {
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
function checkAgainstLog(decoder: SnapshotDecoder, log: FrameLog): void {
  for (const id of decoder.ids()) {
    const held = decoder.get(id)!;
    const server = log.get(held.seq).entities.get(id);
    expect(server?.type).toBe(held.type);
    expect(held.codes).toEqual(server?.codes);
  }
}

/** After a complete snapshot the client holds exactly the server's world of that snapshot. */
function checkComplete(
  decoder: SnapshotDecoder,
  frame: { entities: ReadonlyMap<number, { codes: unknown }> },
): void {
  expect(new Set(decoder.ids())).toEqual(new Set(frame.entities.keys()));
  for (const [id, record] of frame.entities) expect(decoder.get(id)?.codes).toEqual(record.codes);
}

describe('snapshot sync under loss, reordering and byte budgets', () => {
  it('holds what the server sent, and converges on the newest state once the budget allows', () => {
    let cutSnapshots = 0;
    let appliedSnapshots = 0;
    fc.assert(
      fc.property(scenario, ({ initialCars, initialPickups, budget, steps }) => {
        const table = new EntityTable();
        const ids: number[] = [];
        for (let index = 0; index < initialCars; index++)
          ids.push(table.spawn(Car, { x: index, hp: 50, name: '' }));
        for (let index = 0; index < initialPickups; index++) {
          ids.push(table.spawn(Pickup, { kind: 'health', active: true }));
        }
        const encoder = new SnapshotEncoder(registry, {
          priority: new PriorityAccumulator({ priority: (id) => 1 + (id % 3) }),
        });
        const decoder = new SnapshotDecoder(registry);
        const log = new FrameLog();
        const snapshots = new Link<Uint8Array>();
        const acks = new Link<Uint8Array>();

        const exchange = (now: number, ackLost: boolean, ackDelay: number) => {
          for (const bytes of snapshots.deliver(now)) {
            const outcome = decoder.decode(bytes);
            expect(outcome.kind).not.toBe('resync');
            if (outcome.kind !== 'applied') continue;
            appliedSnapshots++;
            checkAgainstLog(decoder, log);
            if (outcome.complete) checkComplete(decoder, log.get(outcome.seq));
            acks.send(now, encodeAck(decoder.ack()), ackLost, ackDelay);
          }
          for (const bytes of acks.deliver(now)) encoder.receiveAck(decodeAck(bytes));
        };

        let now = 0;
        for (const tick of steps) {
          for (const change of tick.mutations) mutate(table, ids, change);
          const frame = table.frame(now);
          const snapshot = encoder.encode(frame, { budgetBytes: budget });
          expect(snapshot.bytes.length).toBeLessThanOrEqual(budget);
          if (!snapshot.complete) cutSnapshots++;
          log.set(snapshot.seq, frame);
          snapshots.send(now, snapshot.bytes, tick.snapshotLost, tick.snapshotDelay);
          exchange(now, tick.ackLost, tick.ackDelay);
          now++;
        }
        // The world stops changing and the link heals: within a bounded number of ticks the client holds
        // the server's world exactly, and the server knows it (a complete, empty snapshot).
        let converged = false;
        for (let extra = 0; extra < 80 && !converged; extra++) {
          const frame = table.frame(now);
          const snapshot = encoder.encode(frame, { budgetBytes: budget });
          log.set(snapshot.seq, frame);
          snapshots.send(now, snapshot.bytes, false, 0);
          exchange(now + 10, false, 0);
          converged = snapshot.complete && snapshot.sent.length === 0;
          now += 11;
        }
        expect(converged).toBe(true);
        checkComplete(decoder, table.frame(now));
      }),
      { numRuns: 250 },
    );
    expect(cutSnapshots).toBeGreaterThan(0);
    expect(appliedSnapshots).toBeGreaterThan(0);
  });

  it('many clients sharing a cache encode each change once per baseline', () => {
    const table = new EntityTable();
    for (let index = 0; index < 20; index++) table.spawn(Car, { x: index, hp: 100, name: 'x' });
    const cache = new EncodingCache();
    const clients = Array.from({ length: 32 }, () => ({
      encoder: new SnapshotEncoder(registry, { cache }),
      decoder: new SnapshotDecoder(registry),
    }));
    for (let tick = 0; tick < 10; tick++) {
      for (let id = 0; id < 20; id += 2) table.update(id, Car, { x: id + tick, hp: 100 - tick, name: 'x' });
      const frame = table.frame(tick);
      for (const { encoder, decoder } of clients) {
        const outcome = decoder.decode(encoder.encode(frame).bytes);
        expect(outcome.kind).toBe('applied');
        encoder.receiveAck(decoder.ack());
      }
    }
    const { hits, misses } = cache.stats;
    // Every client holds the same baselines, so each (state, baseline) pair is encoded once.
    expect(misses).toBe(20 + 9 * 10);
    expect(hits).toBe(31 * misses);
    for (const { decoder } of clients) checkComplete(decoder, table.frame(10));
  });
});
