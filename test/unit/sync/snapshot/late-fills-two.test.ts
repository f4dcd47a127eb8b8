import {
  frameView,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, registry, world } from './harness.js';

/**
 * Two late fills (ticks 1 and 2, two chains) behind one snapshot cut to nothing (tick 5), in either
 * order. Clients 0 and 2 lose tick 1; client 0 loses tick 2 (a body against 0 built for client 2);
 * client 1 stays in step at 1 (its ack late), so client 0's tick 3 is a chain of 1 and a body against
 * it; client 2 stays in step at 2, so client 0's tick 4 is a chain of 2. Whatever happened at ticks 1
 * and 2 then reaches client 0 only by the fills, and every complete snapshot after must match the world.
 */
function play(at1: (s: S) => void, at2: (s: S) => void, order: 'newerFirst' | 'olderFirst', cars = 3): void {
  const table = world(cars);
  const shared = new SharedSnapshots(registry);
  const hidden = new Set<number>();
  const frames: WorldFrame[] = [];
  const frameAt = (tick: number) => {
    frames[tick] ??= frameView(table.frame(tick), (id) => !hidden.has(id));
    return frames[tick];
  };
  const mk = (resend: boolean) => ({
    encoder: new SnapshotEncoder(registry, { shared, resend }),
    decoder: new SnapshotDecoder(registry, { resent: true }),
  });
  const s = { table, hidden, frameAt, c0: mk(true), c1: mk(false), c2: mk(false) };
  const { c0, c1, c2 } = s;
  const deliver = (c: typeof c0, tick: number, budget?: number) => {
    const out = c.decoder.decode(
      c.encoder.encode(frameAt(tick), budget === undefined ? undefined : { budgetBytes: budget }).bytes,
    );
    c.encoder.receiveAck(c.decoder.ack());
    return out;
  };
  for (const c of [c1, c2, c0]) deliver(c, 0);
  at1(s);
  const c1At1 = c1.encoder.encode(frameAt(1));
  c1.decoder.decode(c1At1.bytes);
  c1.encoder.receiveAck(c1.decoder.ack()); // c1 in step at 1
  c2.encoder.encode(frameAt(1)); // lost
  c0.encoder.encode(frameAt(1)); // lost
  at2(s);
  table.update(0, Car, car(20));
  deliver(c2, 2); // against 0, c2 in step at 2
  const c0At2 = c0.encoder.encode(frameAt(2)); // lost
  expect(c0At2.resent).toBeUndefined();
  c1.decoder.decode(c1.encoder.encode(frameAt(2)).bytes); // ack withheld: c1 stays in step at 1
  table.update(0, Car, car(30));
  c1.encoder.encode(frameAt(3)); // c1 first: body 3 against 1
  const chain1 = c0.encoder.encode(frameAt(3));
  const ch1 = { resent: chain1.resent?.slice(), bytes: chain1.bytes.slice() };
  c2.encoder.encode(frameAt(3)); // lost: c2 stays in step at 2
  table.update(0, Car, car(40));
  c2.encoder.encode(frameAt(4)); // c2 first: body 4 against 2
  const chain2 = c0.encoder.encode(frameAt(4));
  const ch2 = { resent: chain2.resent?.slice(), bytes: chain2.bytes.slice() };
  table.update(0, Car, car(50));
  const cut = c0.encoder.encode(frameAt(5), { budgetBytes: 0 });
  expect(cut.complete).toBe(false);
  expect(c0.decoder.decode(cut.bytes).kind).toBe('applied');
  const fills = order === 'newerFirst' ? [ch2, ch1] : [ch1, ch2];
  for (const ch of fills) {
    expect(ch.resent).toBeDefined();
    expect(c0.decoder.decodeResent(ch.resent as Uint8Array).kind).toBe('filled');
    c0.decoder.decode(ch.bytes);
  }
  c0.encoder.receiveAck(c0.decoder.ack());
  for (let tick = 6; tick <= 10; tick++) {
    expect(deliver(c0, tick).kind).toBe('applied');
    checkComplete(c0.decoder, frameAt(tick));
  }
}

/** What a case changes: the world, and the view the clients share (all but `hidden`). */
interface S {
  readonly table: ReturnType<typeof world>;
  readonly hidden: Set<number>;
}

const cases: [string, (s: S) => void, (s: S) => void][] = [
  ['destroyed at 1', (s) => s.table.remove(1), () => {}],
  ['changed at 1 and 2', (s) => s.table.update(1, Car, car(51)), (s) => s.table.update(1, Car, car(61))],
  ['out of view at 1, back at 2', (s) => s.hidden.add(1), (s) => s.hidden.delete(1)],
  ['out of view at 2', () => {}, (s) => s.hidden.add(1)],
  ['spawned at 1', (s) => void s.table.spawn(Car, car(7, 100, 'new')), () => {}],
  [
    'spawned at 1, changed at 2',
    (s) => void s.table.spawn(Car, car(7, 100, 'new')),
    (s) => s.table.update(3, Car, car(8, 100, 'new')),
  ],
  [
    'spawned at 1, destroyed at 2',
    (s) => void s.table.spawn(Car, car(7, 100, 'new')),
    (s) => s.table.remove(3),
  ],
  [
    'spawned at 1, out of view at 2',
    (s) => void s.table.spawn(Car, car(7, 100, 'new')),
    (s) => s.hidden.add(3),
  ],
  ['changed at 1, out of view at 2', (s) => s.table.update(1, Car, car(51)), (s) => s.hidden.add(1)],
];

describe('two late fills behind one snapshot cut to nothing', () => {
  for (const [name, at1, at2] of cases) {
    for (const order of ['newerFirst', 'olderFirst'] as const) {
      it(`${name}, ${order === 'newerFirst' ? 'the newer fill first' : 'the older fill first'}`, () =>
        play(at1, at2, order));
    }
  }
});
