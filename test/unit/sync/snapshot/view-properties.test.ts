import * as fc from 'fast-check';
import {
  EntityTable,
  frameView,
  PriorityAccumulator,
  SharedSnapshots,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  type AppliedCheck,
  Car,
  car,
  chance,
  checkComplete,
  convergeInStep,
  delay,
  exchangeChecked,
  glide,
  type LinkedClient,
  linkedClient,
  mutate,
  mutation,
  registry,
} from './harness.js';

/*
 * Interest management: each client is sent a view of the world (`frameView`), and entities go in and out
 * of it while snapshots and acks are lost and reordered. Whatever a client applies must equal its view of
 * the snapshot it came in, never need a resync, and converge on its newest view.
 */

/** Hides or shows one live entity (picked among them) in a view. */
const toggle = fc.record({ view: fc.nat({ max: 1 }), pick: fc.nat() });

const link = fc.record({
  snapshotLost: chance(20),
  snapshotDelay: delay,
  ackLost: chance(20),
  ackDelay: delay,
});

interface Viewer extends LinkedClient {
  view: number;
}

function viewer(encoder: SnapshotEncoder, view: number): Viewer {
  return { ...linkedClient(encoder), view };
}

/** Removals applied, by kind, over a whole property run: both kinds must be exercised. */
const removalsSeen = { destroyed: 0, leftView: 0 };

/**
 * Each removal's kind against the world the view was taken from: left the view when the entity was still
 * in the world at that snapshot's tick, destroyed when it was not.
 */
const checkRemovalKinds: AppliedCheck = (client, outcome) => {
  const whole = client.log.get(outcome.seq).whole as WorldFrame;
  expect(outcome.removedKinds).toHaveLength(outcome.removed.length);
  for (const [index, id] of outcome.removed.entries()) {
    const kind = outcome.removedKinds[index];
    expect(kind).toBe(whole.entities.has(id) ? 'leftView' : 'destroyed');
    removalsSeen[kind as keyof typeof removalsSeen]++;
  }
};

/** Delivers what is due both ways; every applied snapshot is checked against the view it was sent from. */
function exchange(client: Viewer, now: number, ackLost: boolean, ackDelay: number): void {
  exchangeChecked(client, now, ackLost, ackDelay, checkRemovalKinds);
}

function hideOrShow(
  hidden: Set<number>[],
  table: EntityTable,
  ids: readonly number[],
  change: { readonly view: number; readonly pick: number },
): number | undefined {
  const live = ids.filter((id) => table.get(id) !== undefined);
  if (live.length === 0) return undefined;
  const id = live[change.pick % live.length] as number;
  const set = hidden[change.view] as Set<number>;
  if (set.has(id)) {
    set.delete(id);
    return id;
  }
  set.add(id);
  return undefined;
}

function views(table: EntityTable, now: number, hidden: readonly Set<number>[]): WorldFrame[] {
  const frame = table.frame(now);
  return hidden.map((set) => frameView(frame, (id) => !set.has(id)));
}

describe('snapshots of a view of the world', () => {
  it('per client: entities leaving and re-entering the view under loss and budgets', () => {
    removalsSeen.destroyed = 0;
    removalsSeen.leftView = 0;
    let returnedSoon = 0;
    let cut = 0;
    fc.assert(
      fc.property(
        fc.record({
          initialCars: fc.integer({ min: 1, max: 10 }),
          budget: fc.oneof(fc.integer({ min: 40, max: 200 }), fc.constant(Number.POSITIVE_INFINITY)),
          steps: fc.array(
            fc.record({
              mutations: fc.array(mutation, { maxLength: 4 }),
              toggles: fc.array(toggle, { maxLength: 4 }),
              link,
            }),
            { minLength: 1, maxLength: 40 },
          ),
        }),
        ({ initialCars, budget, steps }) => {
          const table = new EntityTable();
          const ids: number[] = [];
          for (let index = 0; index < initialCars; index++) ids.push(table.spawn(Car, car(index, 50, '')));
          const hidden = [new Set<number>(), new Set<number>()];
          const hiddenAt = new Map<number, number>();
          const client = viewer(
            new SnapshotEncoder(registry, {
              priority: new PriorityAccumulator({ priority: (id) => 1 + (id % 3) }),
            }),
            0,
          );
          let now = 0;
          for (const step of steps) {
            for (const change of step.mutations) mutate(table, ids, change);
            for (const change of step.toggles) {
              const shown = hideOrShow(hidden, table, ids, { ...change, view: 0 });
              if (shown === undefined) continue;
              if (now - (hiddenAt.get(shown) ?? -100) <= 4) returnedSoon++;
            }
            for (const id of hidden[0] as Set<number>) if (!hiddenAt.has(id)) hiddenAt.set(id, now);
            for (const id of hiddenAt.keys()) if (!(hidden[0] as Set<number>).has(id)) hiddenAt.delete(id);
            const view = views(table, now, hidden)[0] as WorldFrame;
            const snapshot = client.encoder.encode(view, { budgetBytes: budget });
            expect(snapshot.bytes.length).toBeLessThanOrEqual(budget);
            if (!snapshot.complete) cut++;
            client.log.set(snapshot.seq, view);
            client.snapshots.send(now, snapshot.bytes, step.link.snapshotLost, step.link.snapshotDelay);
            exchange(client, now, step.link.ackLost, step.link.ackDelay);
            now++;
          }
          let converged = false;
          for (let extra = 0; extra < 80 && !converged; extra++) {
            const view = views(table, now, hidden)[0] as WorldFrame;
            const snapshot = client.encoder.encode(view, { budgetBytes: budget });
            client.log.set(snapshot.seq, view);
            client.snapshots.send(now, snapshot.bytes, false, 0);
            exchange(client, now + 10, false, 0);
            converged = snapshot.complete && snapshot.sent.length === 0;
            now += 11;
          }
          expect(converged).toBe(true);
          checkComplete(client.decoder, views(table, now, hidden)[0] as WorldFrame);
        },
      ),
      { numRuns: 250 },
    );
    expect(returnedSoon).toBeGreaterThan(0);
    expect(cut).toBeGreaterThan(0);
    expect(removalsSeen.destroyed).toBeGreaterThan(0);
    expect(removalsSeen.leftView).toBeGreaterThan(0);
  });

  it('shared by view: clients of two views share bodies, switch views, and converge on their own', () => {
    const CLIENTS = 4;
    removalsSeen.destroyed = 0;
    removalsSeen.leftView = 0;
    let switches = 0;
    let reused = 0;
    let predicted = 0;
    fc.assert(
      fc.property(
        fc.record({
          initialCars: fc.integer({ min: 1, max: 10 }),
          steps: fc.array(
            fc.record({
              mutations: fc.array(mutation, { maxLength: 6 }),
              toggles: fc.array(toggle, { maxLength: 4 }),
              // Cars on a steady course: what shared bodies write as predicted motion.
              glide: chance(75),
              clients: fc.array(
                fc.record({
                  link,
                  switchView: chance(5),
                  budget: fc.oneof(
                    { arbitrary: fc.constant(Number.POSITIVE_INFINITY), weight: 4 },
                    { arbitrary: fc.integer({ min: 40, max: 60 }), weight: 1 },
                  ),
                }),
                { minLength: CLIENTS, maxLength: CLIENTS },
              ),
            }),
            { minLength: 1, maxLength: 40 },
          ),
        }),
        ({ initialCars, steps }) => {
          const table = new EntityTable();
          const ids: number[] = [];
          for (let index = 0; index < initialCars; index++) ids.push(table.spawn(Car, car(index, 50, '')));
          const hidden = [new Set<number>(), new Set<number>()];
          const shared = [new SharedSnapshots(registry), new SharedSnapshots(registry)];
          const clients = Array.from({ length: CLIENTS }, (_, index) =>
            viewer(new SnapshotEncoder(registry, { shared: shared[index % 2] }), index % 2),
          );
          let now = 0;
          for (const step of steps) {
            for (const change of step.mutations) mutate(table, ids, change);
            for (const change of step.toggles) hideOrShow(hidden, table, ids, change);
            if (step.glide) glide(table, ids, now);
            const frames = views(table, now, hidden);
            for (const [index, client] of clients.entries()) {
              const fate = step.clients[index]!;
              if (fate.switchView) {
                client.view = 1 - client.view;
                client.encoder.shareWith(shared[client.view] as SharedSnapshots);
                switches++;
              }
              const view = frames[client.view] as WorldFrame;
              const snapshot = client.encoder.encode(view, { budgetBytes: fate.budget });
              expect(snapshot.bytes.length).toBeLessThanOrEqual(fate.budget);
              client.log.set(snapshot.seq, view);
              client.snapshots.send(now, snapshot.bytes, fate.link.snapshotLost, fate.link.snapshotDelay);
              exchange(client, now, fate.link.ackLost, fate.link.ackDelay);
            }
            now++;
          }
          for (const client of clients) {
            const viewAt = (at: number) => views(table, at, hidden)[client.view] as WorldFrame;
            now = convergeInStep(client, viewAt, now, checkRemovalKinds);
          }
          reused += shared[0]!.stats.reused + shared[1]!.stats.reused;
          predicted += shared[0]!.stats.predicted + shared[1]!.stats.predicted;
        },
      ),
      { numRuns: 400 },
    );
    expect(switches).toBeGreaterThan(0);
    expect(reused).toBeGreaterThan(0);
    expect(predicted).toBeGreaterThan(0);
    expect(removalsSeen.destroyed).toBeGreaterThan(0);
    expect(removalsSeen.leftView).toBeGreaterThan(0);
  });
});
