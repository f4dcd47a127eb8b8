import {
  type EntityRecord,
  frameView,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  stateToCodes,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, Pickup, registry, world } from './harness.js';

/**
 * Late fills behind snapshots cut by the budget. Two clients share bodies in step at tick 0; client 0
 * loses tick 1, and its chain of tick 2 (tick 1 sent again ahead of it) comes after its own snapshot of
 * tick 3, cut to nothing by a budget of 0 bytes. Whatever changed at tick 1 is then in no snapshot the
 * client applied but the fill. The server takes the fill's ack as the client holding tick 1's records
 * (each entity's baseline is its newest acked record), so the decoder must hold them as current too.
 */
function twoClients(options: { cars?: number; resent?: boolean } = {}) {
  const table = world(options.cars ?? 2);
  const shared = new SharedSnapshots(registry);
  const client = () => ({
    encoder: new SnapshotEncoder(registry, { shared, resend: true }),
    decoder: new SnapshotDecoder(registry, { resent: options.resent ?? true }),
  });
  // The view the clients share: all but these ids.
  const hidden = new Set<number>();
  // One frame a tick, as a server takes it: clients in step at the same frame share its bodies.
  const frames: WorldFrame[] = [];
  const frameAt = (tick: number) => {
    frames[tick] ??= frameView(table.frame(tick), (id) => !hidden.has(id));
    return frames[tick];
  };
  return { table, hidden, frameAt, shared, client, c0: client(), c1: client() };
}

type Client = ReturnType<typeof twoClients>['c0'];

/** A chain's bytes, copied: the encoder writes its next snapshots over what it handed out. */
function copied(snapshot: { resent?: Uint8Array | undefined; bytes: Uint8Array }) {
  return { resent: snapshot.resent?.slice(), bytes: snapshot.bytes.slice() };
}

function deliver(client: Client, frame: WorldFrame, options?: { budgetBytes: number }) {
  const outcome = client.decoder.decode(client.encoder.encode(frame, options).bytes);
  client.encoder.receiveAck(client.decoder.ack());
  return outcome;
}

/**
 * Plays the scene above; `change` is what happens at tick 1 (`budget` cuts tick 3, 0 by default).
 * Returns the fill's outcome, and the client's state is then checked over the ticks after.
 */
function fillBehindCutSnapshot(
  change: (scene: ReturnType<typeof twoClients>) => void,
  options: {
    cars?: number;
    resent?: boolean;
    atTick3?: (scene: ReturnType<typeof twoClients>) => void;
    budget?: number;
  } = {},
) {
  const scene = twoClients(options);
  const { table, frameAt, c0, c1 } = scene;
  for (const client of [c1, c0]) deliver(client, frameAt(0));
  change(scene);
  deliver(c1, frameAt(1));
  c0.encoder.encode(frameAt(1)); // lost
  table.update(1, Car, car(7, 100, 'ada'));
  deliver(c1, frameAt(2));
  const chain = copied(c0.encoder.encode(frameAt(2)));
  expect(chain.resent).toBeDefined();
  table.update(1, Car, car(8, 100, 'ada'));
  options.atTick3?.(scene);
  const cut = c0.encoder.encode(frameAt(3), { budgetBytes: options.budget ?? 0 });
  expect(cut.complete).toBe(false);
  expect(c0.decoder.decode(cut.bytes).kind).toBe('applied');
  const filled = c0.decoder.decodeResent(chain.resent as Uint8Array);
  expect(c0.decoder.decode(chain.bytes).kind).toBe('stale');
  c0.encoder.receiveAck(c0.decoder.ack());
  return { ...scene, filled };
}

/** The client's state over the next ticks: each one leaves it with the frame the server sent. */
function followsOn(scene: ReturnType<typeof twoClients>, from: number, to: number): void {
  for (let tick = from; tick <= to; tick++) {
    expect(deliver(scene.c0, scene.frameAt(tick)).kind).toBe('applied');
    checkComplete(scene.c0.decoder, scene.frameAt(tick));
  }
}

describe('a late fill behind snapshots cut by the budget', () => {
  it('makes its record of an entity they left out its state, announced, as the server then holds it', () => {
    const { table, frameAt, c0, filled } = fillBehindCutSnapshot(({ table }) =>
      table.update(0, Car, car(5, 100, 'ada')),
    );
    expect(filled).toMatchObject({ kind: 'filled', created: [], updated: [0] });
    expect(c0.decoder.codesOf(0)).toEqual(frameAt(1).entities.get(0)?.codes);
    expect(c0.decoder.get(0)?.seq).toBe(1);
    // Unchanged since, car 0 is in no later snapshot: the client must already hold tick 1's state.
    const next = frameAt(4);
    expect(deliver(c0, next).kind).toBe('applied');
    checkComplete(c0.decoder, next);
    // Changed, it comes as a delta from tick 1's state.
    table.update(0, Car, car(6, 100, 'ada'));
    const after = frameAt(5);
    expect(deliver(c0, after).kind).toBe('applied');
    checkComplete(c0.decoder, after);
  });

  it('makes an entity whose creation they cut, announced', () => {
    let spawned = -1;
    const { table, frameAt, c0, filled } = fillBehindCutSnapshot(({ table }) => {
      spawned = table.spawn(Car, car(5, 100, 'new'));
    });
    expect(filled).toMatchObject({ kind: 'filled', created: [spawned], updated: [] });
    const next = frameAt(4);
    expect(deliver(c0, next).kind).toBe('applied');
    checkComplete(c0.decoder, next);
    table.update(spawned, Car, car(6, 100, 'new'));
    const after = frameAt(5);
    expect(deliver(c0, after).kind).toBe('applied');
    checkComplete(c0.decoder, after);
  });

  it('keeps a record equal to the one held, which a later snapshot may name', () => {
    // Car 0 changes at tick 1 and back at 2: the fill of 2 equals what the client holds. Client 1 takes
    // no chains, so it stays in step at tick 0 and builds tick 2's body against it, carrying car 0.
    const { table, frameAt, c0, shared } = twoClients();
    const c1 = { encoder: new SnapshotEncoder(registry, { shared }), decoder: new SnapshotDecoder(registry) };
    for (const client of [c1, c0]) deliver(client, frameAt(0));
    table.update(0, Car, car(5, 100, 'ada'));
    c1.encoder.encode(frameAt(1)); // both lost
    c0.encoder.encode(frameAt(1));
    table.update(0, Car, car(0, 100, 'ada'));
    deliver(c1, frameAt(2));
    c0.encoder.encode(frameAt(2)); // lost
    table.update(0, Car, car(9, 100, 'ada'));
    deliver(c1, frameAt(3));
    const chain = copied(c0.encoder.encode(frameAt(3)));
    expect(chain.resent).toBeDefined();
    expect(c0.decoder.decode(c0.encoder.encode(frameAt(4), { budgetBytes: 0 }).bytes).kind).toBe('applied');
    expect(c0.decoder.decodeResent(chain.resent as Uint8Array).kind).toBe('filled');
    c0.decoder.decode(chain.bytes);
    c0.encoder.receiveAck(c0.decoder.ack());
    const next = frameAt(5);
    expect(deliver(c0, next).kind).toBe('applied');
    checkComplete(c0.decoder, next);
  });
  it('removes an entity whose removal only the fill carries, destroyed or out of view', () => {
    for (const how of ['destroyed', 'leftView'] as const) {
      const scene = fillBehindCutSnapshot(
        ({ table, hidden }) => (how === 'destroyed' ? table.remove(0) : hidden.add(0)),
        { cars: 3 },
      );
      expect(scene.filled).toMatchObject({ removed: [0], removedKinds: [how] });
      expect(scene.c0.decoder.get(0)).toBeUndefined();
      followsOn(scene, 4, 8);
    }
  });

  it('replaces an entity whose id the fill shows back with another type', () => {
    // Frames written by hand: a table gives a removed entity's id to no other.
    const record = (type: typeof Car | typeof Pickup, state: object) =>
      ({ type, codes: stateToCodes(type, state as never) }) as EntityRecord;
    const cars = [record(Car, car(0)), record(Car, car(1))];
    const scene = twoClients();
    const frames = [0, 1, 2, 3, 4, 5].map((tick): WorldFrame => {
      const third = tick === 0 ? record(Pickup, { kind: 'ammo', active: true }) : record(Car, car(2));
      return {
        tick,
        entities: new Map([
          [0, cars[0]!],
          [1, cars[1]!],
          [2, third],
        ]),
      };
    });
    const { c0, c1 } = scene;
    for (const client of [c1, c0]) deliver(client, frames[0]!);
    deliver(c1, frames[1]!);
    c0.encoder.encode(frames[1]!); // lost
    deliver(c1, frames[2]!);
    const chain = copied(c0.encoder.encode(frames[2]!));
    expect(c0.decoder.decode(c0.encoder.encode(frames[3]!, { budgetBytes: 0 }).bytes).kind).toBe('applied');
    const filled = c0.decoder.decodeResent(chain.resent as Uint8Array);
    expect(filled).toMatchObject({ created: [2], removed: [2], removedKinds: ['destroyed'] });
    expect(c0.decoder.typeOf(2)).toBe(Car);
    c0.decoder.decode(chain.bytes);
    c0.encoder.receiveAck(c0.decoder.ack());
    for (const frame of frames.slice(4)) {
      expect(deliver(c0, frame).kind).toBe('applied');
      checkComplete(c0.decoder, frame);
    }
  });

  it('makes no entity that a snapshot applied before the first fill removed, even without the resent option', () => {
    for (const resent of [true, false]) {
      let spawned = -1;
      const scene = fillBehindCutSnapshot(
        ({ table }) => {
          spawned = table.spawn(Car, car(5, 100, 'y'));
          for (let id = 0; id < 4; id++) table.update(id, Car, car(10 + id, 90, 'changed'));
        },
        // Tick 3 removes the new car, and its budget lets only that removal through.
        { cars: 4, resent, budget: 14, atTick3: ({ table }) => table.remove(spawned) },
      );
      expect(scene.filled).toMatchObject({ created: [] });
      expect(scene.c0.decoder.get(spawned)).toBeUndefined();
      followsOn(scene, 4, 7);
    }
  });

  it('keeps an entity held by nothing as gone when it went, not later: a later fill of it back in view makes it', () => {
    // Car 2 appears at tick 1 (client 0 loses it), leaves the view at 2 (client 0 applies the leave,
    // never having held it) and is back at 3. Ticks 1 and 4 come late, after a cut tick 6.
    const scene = twoClients();
    const { table, hidden, frameAt, c0, c1 } = scene;
    const c2 = scene.client();
    for (const client of [c1, c2, c0]) deliver(client, frameAt(0));
    const y = table.spawn(Car, car(5, 100, 'y'));
    c0.encoder.encode(frameAt(1)); // lost
    c1.decoder.decode(c1.encoder.encode(frameAt(1)).bytes); // its ack comes later
    hidden.add(y);
    deliver(c0, frameAt(2));
    c1.encoder.encode(frameAt(2)); // lost
    c1.encoder.receiveAck(c1.decoder.ack()); // client 1 in step at 1
    deliver(c2, frameAt(2)); // client 2 in step at 2
    hidden.delete(y);
    c1.encoder.encode(frameAt(3));
    const chainOf1 = copied(c0.encoder.encode(frameAt(3)));
    expect(chainOf1.resent).toBeDefined();
    c2.encoder.encode(frameAt(3));
    table.update(0, Car, car(30));
    const c2At4 = c2.encoder.encode(frameAt(4));
    c0.encoder.encode(frameAt(4)); // lost: a body against 2 with car 2 in full
    c2.decoder.decode(c2At4.bytes);
    c2.encoder.receiveAck(c2.decoder.ack());
    table.update(1, Car, car(31));
    deliver(c2, frameAt(5));
    const chainOf4 = copied(c0.encoder.encode(frameAt(5)));
    expect(chainOf4.resent).toBeDefined();
    expect(c0.decoder.decode(c0.encoder.encode(frameAt(6), { budgetBytes: 0 }).bytes).kind).toBe('applied');
    expect(c0.decoder.decodeResent(chainOf1.resent as Uint8Array)).toMatchObject({
      kind: 'filled',
      created: [],
    });
    c0.decoder.decode(chainOf1.bytes);
    expect(c0.decoder.decodeResent(chainOf4.resent as Uint8Array)).toMatchObject({
      kind: 'filled',
      created: [y],
    });
    c0.decoder.decode(chainOf4.bytes);
    c0.encoder.receiveAck(c0.decoder.ack());
    followsOn(scene, 7, 11);
  });
});
