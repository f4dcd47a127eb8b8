import * as fc from 'fast-check';
import { EntityTable, frameView, SharedSnapshots, SnapshotEncoder, type WorldFrame } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  Car,
  car,
  chance,
  convergeInStep,
  exchangeChecked,
  glide,
  type LinkedClient,
  linkedClient,
  linkFates,
  mutate,
  mutation,
  registry,
} from './harness.js';

/*
 * Clients joining at any time, first served against an empty base: late and lost acks, long ack outages
 * (leaving the base after 64 snapshots, stalls after 128), resyncs of every kind before and after the
 * first ack, moves between the views' SharedSnapshots before and after the first snapshot, first seqs at
 * the wrap, first snapshots of a frame older than the newest seen, the same frame twice, budgets per call.
 */

const CLIENTS = 5;

const clientTick = fc.record({
  ...linkFates,
  budget: fc.oneof(
    { arbitrary: fc.constant(Number.POSITIVE_INFINITY), weight: 4 },
    { arbitrary: fc.integer({ min: 40, max: 120 }), weight: 1 },
  ),
  skip: chance(10),
  twice: chance(5),
  // Snapshots of this frame sent before this tick's own and lost (a client gone quiet): 64 without an ack
  // leave any base, 128 stall the client.
  burst: fc.oneof({ arbitrary: fc.constant(0), weight: 40 }, fc.integer({ min: 30, max: 135 })),
  switchView: chance(4),
  // 1 server resync; 2 resync ack with newest; 3 resync ack with no newest (a client holding nothing).
  resync: fc.oneof({ arbitrary: fc.constant(0), weight: 40 }, fc.constantFrom(1, 2, 3)),
  // An outage: the acks of the next this many ticks are lost.
  outage: fc.oneof({ arbitrary: fc.constant(0), weight: 30 }, fc.integer({ min: 1, max: 140 })),
});

type ClientTick = typeof clientTick extends fc.Arbitrary<infer T> ? T : never;

const scenario = fc.record({
  initialCars: fc.integer({ min: 0, max: 10 }),
  views: fc.boolean(),
  joins: fc.array(
    fc.record({
      at: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, fc.integer({ min: 0, max: 60 })),
      firstSeq: fc.oneof(fc.constant(0), fc.integer({ min: 65_530, max: 65_535 }), fc.nat({ max: 65_535 })),
      // 0 plain; 1 made with another view's SharedSnapshots and moved before the first snapshot; 2 its
      // first snapshot is of the frame before the newest one seen.
      how: fc.constantFrom(0, 1, 2),
    }),
    { minLength: CLIENTS, maxLength: CLIENTS },
  ),
  steps: fc.array(
    fc.record({
      mutations: fc.array(mutation, { maxLength: 6 }),
      toggles: fc.array(fc.record({ view: fc.nat({ max: 1 }), pick: fc.nat() }), { maxLength: 3 }),
      glide: chance(50),
      clients: fc.array(clientTick, { minLength: CLIENTS, maxLength: CLIENTS }),
    }),
    { minLength: 1, maxLength: 90 },
  ),
});

interface Joiner extends LinkedClient {
  view: number;
  /** Its acks are lost until then. */
  outageUntil: number;
}

describe('clients joining at any time, first in step at an empty base', () => {
  it('hold the server frame of every snapshot they apply, and converge', () => {
    const totals = { firstShared: 0, stepped: 0, stalled: 0, olderFirst: 0, moved: 0 };
    fc.assert(
      fc.property(scenario, ({ initialCars, views, joins, steps }) => {
        const table = new EntityTable();
        const ids: number[] = [];
        for (let index = 0; index < initialCars; index++) ids.push(table.spawn(Car, car(index, 50, '')));
        const hidden = [new Set<number>(), new Set<number>()];
        // One per view: a SharedSnapshots only ever sees one view's frames.
        const shared = [new SharedSnapshots(registry), new SharedSnapshots(registry)];
        const clients: (Joiner | undefined)[] = new Array(CLIENTS).fill(undefined);
        const framesOf = (now: number): WorldFrame[] => {
          const frame = table.frame(now);
          if (!views) return [frame, frame];
          return hidden.map((set) => frameView(frame, (id) => !set.has(id)));
        };
        /** Encodes `frame` for the client; the snapshot goes on the link unless `lost`. */
        const send = (client: Joiner, frame: WorldFrame, fate: ClientTick, now: number, lost = false) => {
          if (client.encoder.stalled) totals.stalled++;
          const snapshot = client.encoder.encode(frame, { budgetBytes: fate.budget });
          expect(snapshot.bytes.length).toBeLessThanOrEqual(fate.budget);
          client.log.set(snapshot.seq, frame);
          client.snapshots.send(now, snapshot.bytes, lost || fate.snapshotLost, fate.snapshotDelay);
        };

        // The frames of the step before: a joiner's first snapshot may be of one, once the newest was seen.
        let previousFrames: WorldFrame[] | undefined;
        let now = 0;
        for (const [stepIndex, step] of steps.entries()) {
          for (const change of step.mutations) mutate(table, ids, change);
          for (const change of step.toggles) {
            const live = ids.filter((id) => table.get(id) !== undefined);
            if (live.length === 0) continue;
            const id = live[change.pick % live.length] as number;
            const set = hidden[change.view] as Set<number>;
            if (set.has(id)) set.delete(id);
            else set.add(id);
          }
          if (step.glide) glide(table, ids, now);
          const frames = framesOf(now);
          for (let index = 0; index < CLIENTS; index++) {
            const fate = step.clients[index] as ClientTick;
            const join = joins[index] as (typeof joins)[number];
            let olderFirst = false;
            if (clients[index] === undefined && join.at <= stepIndex) {
              const view = index % 2;
              const encoder = new SnapshotEncoder(registry, {
                shared: shared[join.how === 1 ? 1 - view : view],
                firstSeq: join.firstSeq,
              });
              if (join.how === 1) {
                encoder.shareWith(shared[view] as SharedSnapshots);
                totals.moved++;
              }
              clients[index] = { ...linkedClient(encoder), view, outageUntil: -1 };
              // Clients before it have seen this step's frames.
              olderFirst = join.how === 2 && previousFrames !== undefined && index > 0;
            }
            const client = clients[index];
            if (client === undefined) continue;
            if (fate.outage > 0 && client.outageUntil < now) client.outageUntil = now + fate.outage;
            if (fate.switchView) {
              client.view = 1 - client.view;
              client.encoder.shareWith(shared[client.view] as SharedSnapshots);
            }
            if (fate.resync === 1) client.encoder.resync();
            if (fate.resync === 2) client.encoder.receiveAck({ ...client.decoder.ack(), resync: true });
            if (fate.resync === 3)
              client.encoder.receiveAck({ newest: undefined, previous: 0, resync: true });
            if (olderFirst) {
              send(client, (previousFrames as WorldFrame[])[client.view] as WorldFrame, fate, now);
              totals.olderFirst++;
            }
            const frame = frames[client.view] as WorldFrame;
            for (let count = 0; count < fate.burst; count++) send(client, frame, fate, now, true);
            if (!fate.skip) {
              const first = client.encoder.nextSeq === join.firstSeq && !olderFirst;
              send(client, frame, fate, now);
              if (first && client.encoder.inSharedMode) totals.firstShared++;
              if (fate.twice) send(client, frame, fate, now);
            }
            const wasInStep = client.encoder.inSharedMode;
            exchangeChecked(client, now, fate.ackLost || now < client.outageUntil, fate.ackDelay);
            if (!wasInStep && client.encoder.inSharedMode) totals.stepped++;
          }
          previousFrames = frames;
          now++;
        }
        for (const client of clients) {
          if (client !== undefined)
            now = convergeInStep(client, (at) => framesOf(at)[client.view] as WorldFrame, now);
        }
      }),
      { numRuns: 250 },
    );
    // Every path was taken: first snapshots shared, stepping out of the empty base on an ack, stalls,
    // first snapshots of an older frame, moves before the first snapshot.
    for (const [name, count] of Object.entries(totals)) expect(count, name).toBeGreaterThan(0);
  });
});
