import * as fc from 'fast-check';
import {
  decodeAck,
  EncodingCache,
  EntityTable,
  encodeAck,
  PriorityAccumulator,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  Car,
  chance,
  checkAgainstLog,
  checkComplete,
  exchangeChecked,
  FrameLog,
  glide,
  Link,
  linkFates,
  mutate,
  mutation,
  Pickup,
  registry,
  scenarioWorld,
} from './harness.js';

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

/** One client's part of a server tick in the shared scenario. */
const clientTick = fc.record({
  ...linkFates,
  // Mostly no limit; now and then a budget the shared body may not fit, which sends the client per-client.
  budget: fc.oneof(
    { arbitrary: fc.constant(Number.POSITIVE_INFINITY), weight: 3 },
    { arbitrary: fc.integer({ min: 40, max: 60 }), weight: 1 },
  ),
  // Not due this tick (clients at different rates): other clients' frames go by.
  skip: chance(10),
  // 1: the server forgets what the client holds (RoomSync.resync); 2: the client's ack asks for a resync.
  resync: fc.oneof({ arbitrary: fc.constant(0), weight: 60 }, fc.constant(1), fc.constant(2)),
});

const CLIENTS = 4;

const sharedScenario = fc.record({
  initialCars: fc.integer({ min: 0, max: 12 }),
  initialPickups: fc.integer({ min: 0, max: 12 }),
  // The step each client joins at (late joins).
  joins: fc.array(fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, fc.integer({ min: 0, max: 20 })), {
    minLength: CLIENTS,
    maxLength: CLIENTS,
  }),
  steps: fc.array(
    fc.record({
      mutations: fc.array(mutation, { maxLength: 10 }),
      // Cars on a steady course (each at its own speed): what shared bodies write as predicted motion.
      glide: fc.boolean(),
      clients: fc.array(clientTick, { minLength: CLIENTS, maxLength: CLIENTS }),
    }),
    { minLength: 1, maxLength: 50 },
  ),
});

interface SharingClient {
  readonly encoder: SnapshotEncoder;
  readonly decoder: SnapshotDecoder;
  readonly log: FrameLog;
  readonly snapshots: Link<Uint8Array>;
  readonly acks: Link<Uint8Array>;
}

describe('shared snapshot bodies', () => {
  it('leave every client with the server frame of each snapshot it applies, under loss, budgets and resyncs', () => {
    // firstShared: a client's first snapshot served from a body against nothing acked.
    const totals = { shared: 0, firstShared: 0, leftShared: 0, returned: 0, perClient: 0, resyncs: 0 };
    let reused = 0;
    let predicted = 0;
    fc.assert(
      fc.property(sharedScenario, ({ initialCars, initialPickups, joins, steps }) => {
        const { table, ids } = scenarioWorld(initialCars, initialPickups);
        const shared = new SharedSnapshots(registry);
        const clients: (SharingClient | undefined)[] = new Array(CLIENTS).fill(undefined);

        const exchange = (client: SharingClient, now: number, ackLost: boolean, ackDelay: number) => {
          // No client ever loses its state here, so no snapshot may need a resync (or miss its checksum).
          const wasShared = client.encoder.inSharedMode;
          exchangeChecked(client, now, ackLost, ackDelay);
          if (!wasShared && client.encoder.inSharedMode) totals.returned++;
        };
        const send = (client: SharingClient, frame: WorldFrame, budget: number) => {
          const wasShared = client.encoder.inSharedMode;
          const first = client.encoder.nextSeq === 0;
          const snapshot = client.encoder.encode(frame, { budgetBytes: budget });
          if (first && client.encoder.inSharedMode) totals.firstShared++;
          expect(snapshot.bytes.length).toBeLessThanOrEqual(budget);
          if (client.encoder.inSharedMode) totals.shared++;
          else totals.perClient++;
          if (wasShared && !client.encoder.inSharedMode) totals.leftShared++;
          client.log.set(snapshot.seq, frame);
          return snapshot;
        };

        let now = 0;
        for (const [stepIndex, tick] of steps.entries()) {
          for (const change of tick.mutations) mutate(table, ids, change);
          if (tick.glide) glide(table, ids, now);
          const frame = table.frame(now);
          for (let index = 0; index < CLIENTS; index++) {
            const fate = tick.clients[index]!;
            if (clients[index] === undefined && joins[index]! <= stepIndex) {
              clients[index] = {
                encoder: new SnapshotEncoder(registry, { shared }),
                decoder: new SnapshotDecoder(registry),
                log: new FrameLog(),
                snapshots: new Link(),
                acks: new Link(),
              };
            }
            const client = clients[index];
            if (client === undefined) continue;
            if (fate.resync === 1) client.encoder.resync();
            if (fate.resync === 2) client.encoder.receiveAck({ ...client.decoder.ack(), resync: true });
            if (fate.resync !== 0) totals.resyncs++;
            if (!fate.skip) {
              const snapshot = send(client, frame, fate.budget);
              client.snapshots.send(now, snapshot.bytes, fate.snapshotLost, fate.snapshotDelay);
            }
            exchange(client, now, fate.ackLost, fate.ackDelay);
          }
          now++;
        }
        // The link heals and budgets lift: every client converges on the world, in step (shared mode).
        for (const client of clients) {
          if (client === undefined) continue;
          let converged = false;
          for (let extra = 0; extra < 20 && !converged; extra++) {
            const snapshot = send(client, table.frame(now), Number.POSITIVE_INFINITY);
            client.snapshots.send(now, snapshot.bytes, false, 0);
            exchange(client, now + 10, false, 0);
            converged = snapshot.complete && snapshot.sent.length === 0 && client.encoder.inSharedMode;
            now += 11;
          }
          expect(converged).toBe(true);
          checkComplete(client.decoder, table.frame(now));
        }
        reused += shared.stats.reused;
        predicted += shared.stats.predicted;
      }),
      { numRuns: 200 },
    );
    // The scenarios did exercise every path: shared bodies (and their reuse), per-client snapshots,
    // leaving shared mode and coming back, resyncs.
    for (const [name, count] of Object.entries(totals)) expect(count, name).toBeGreaterThan(0);
    expect(reused).toBeGreaterThan(0);
    expect(predicted).toBeGreaterThan(0);
  });
});
