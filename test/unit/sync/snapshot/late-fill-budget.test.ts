import { SharedSnapshots, SnapshotDecoder, SnapshotEncoder, type WorldFrame } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, registry, world } from './harness.js';

/**
 * Late fills behind snapshots cut by the budget. Two clients share bodies in step at tick 0; client 0
 * loses tick 1, and its chain of tick 2 (tick 1 sent again ahead of it) comes after its own snapshot of
 * tick 3, cut to nothing by a budget of 0 bytes. Whatever changed at tick 1 is then in no snapshot the
 * client applied but the fill. The server takes the fill's ack as the client holding tick 1's records
 * (each entity's baseline is its newest acked record), so the decoder must hold them as current too.
 */
function twoClients() {
  const table = world(2);
  const shared = new SharedSnapshots(registry);
  const client = () => ({
    encoder: new SnapshotEncoder(registry, { shared, resend: true }),
    decoder: new SnapshotDecoder(registry, { resent: true }),
  });
  // One frame a tick, as a server takes it: clients in step at the same frame share its bodies.
  const frames: WorldFrame[] = [];
  const frameAt = (tick: number) => {
    frames[tick] ??= table.frame(tick);
    return frames[tick];
  };
  return { table, frameAt, shared, c0: client(), c1: client() };
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

/** Plays the scene above; `change` is what happens at tick 1. Returns the fill's outcome. */
function fillBehindCutSnapshot(change: (table: ReturnType<typeof world>) => void) {
  const { table, frameAt, c0, c1 } = twoClients();
  for (const client of [c1, c0]) deliver(client, frameAt(0));
  change(table);
  deliver(c1, frameAt(1));
  c0.encoder.encode(frameAt(1)); // lost
  table.update(1, Car, car(7, 100, 'ada'));
  deliver(c1, frameAt(2));
  const chain = copied(c0.encoder.encode(frameAt(2)));
  expect(chain.resent).toBeDefined();
  table.update(1, Car, car(8, 100, 'ada'));
  const cut = c0.encoder.encode(frameAt(3), { budgetBytes: 0 });
  expect(cut.complete).toBe(false);
  expect(c0.decoder.decode(cut.bytes).kind).toBe('applied');
  const filled = c0.decoder.decodeResent(chain.resent as Uint8Array);
  expect(c0.decoder.decode(chain.bytes).kind).toBe('stale');
  c0.encoder.receiveAck(c0.decoder.ack());
  return { table, frameAt, c0, filled };
}

describe('a late fill behind snapshots cut by the budget', () => {
  it('makes its record of an entity they left out its state, announced, as the server then holds it', () => {
    const { table, frameAt, c0, filled } = fillBehindCutSnapshot((table) =>
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
    const { table, frameAt, c0, filled } = fillBehindCutSnapshot((table) => {
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
});
