import { SharedSnapshots, type SnapshotAck, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { seededRandom } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, registry, world } from './harness.js';

/*
 * Acks ride on every input (30/s) and snapshots go at 20/s, so most acks repeat the one before; the
 * encoder skips those. These tests hold that to "changes nothing": an encoder given every ack several
 * times writes byte for byte what one given each ack once writes.
 */

function pair(shared: boolean) {
  const make = () => new SnapshotEncoder(registry, shared ? { shared: new SharedSnapshots(registry) } : {});
  return { once: make(), repeated: make(), decoder: new SnapshotDecoder(registry) };
}

describe('SnapshotEncoder with repeated acks', () => {
  for (const shared of [true, false]) {
    it(`writes the same bytes whether each ack comes once or again and again (${shared ? 'shared' : 'per-client'}, lossy)`, () => {
      const random = seededRandom(shared ? 7 : 8);
      const table = world(12);
      const { once, repeated, decoder } = pair(shared);
      let last: SnapshotAck | undefined;
      for (let tick = 0; tick < 300; tick++) {
        for (let id = 0; id < 12; id++) {
          if (random() < 0.4) table.update(id, Car, car(Math.round(random() * 180 - 90), tick % 100));
        }
        const frame = table.frame(tick);
        const a = once.encode(frame);
        const b = repeated.encode(frame);
        expect(b.bytes).toEqual(a.bytes);
        // A lost snapshot, or a lost ack: the next input carries the same ack as the one before.
        if (random() >= 0.15) decoder.decode(a.bytes);
        const ack = decoder.ack();
        if (random() < 0.15) continue;
        once.receiveAck(ack);
        // The encoder keeps the object it is given: a copy per input is what the server decodes.
        for (let again = 1 + Math.floor(random() * 3); again > 0; again--) repeated.receiveAck({ ...ack });
        if (last !== undefined && random() < 0.2) repeated.receiveAck({ ...last });
        if (last !== undefined && random() < 0.2) once.receiveAck({ ...last });
        if (last !== undefined && random() < 0.2) repeated.receiveAck({ ...last });
        last = ack;
        expect(repeated.inSharedMode).toBe(once.inSharedMode);
      }
      checkComplete(decoder, table.frame(299));
    });
  }

  it('takes an ack of a snapshot not sent yet once that snapshot has gone out, as without repeats', () => {
    const table = world(3);
    const { once, repeated } = pair(true);
    expect(repeated.encode(table.frame(0)).bytes).toEqual(once.encode(table.frame(0)).bytes);
    // An ack naming snapshot 1 (and 0) before snapshot 1 was sent: ignored.
    const ahead: SnapshotAck = { newest: 1, previous: 1, resync: false };
    repeated.receiveAck({ ...ahead });
    table.update(0, Car, car(40));
    expect(repeated.encode(table.frame(1)).bytes).toEqual(once.encode(table.frame(1)).bytes);
    // The same ack again, now that snapshot 1 has gone out: taken, by both alike.
    once.receiveAck({ ...ahead });
    repeated.receiveAck({ ...ahead });
    expect(once.inSharedMode).toBe(true);
    expect(repeated.inSharedMode).toBe(true);
    table.update(1, Car, car(-40));
    expect(repeated.encode(table.frame(2)).bytes).toEqual(once.encode(table.frame(2)).bytes);
  });

  it('hears a resync request of a client that holds nothing once per reset, repeated or not', () => {
    const table = world(4);
    const { once, repeated, decoder } = pair(true);
    for (let tick = 0; tick < 5; tick++) {
      const frame = table.frame(tick);
      const a = once.encode(frame);
      expect(repeated.encode(frame).bytes).toEqual(a.bytes);
      decoder.decode(a.bytes);
      once.receiveAck(decoder.ack());
      repeated.receiveAck(decoder.ack());
    }
    // A client that holds nothing asks again and again: the world goes in full until it acks, and once it
    // has, its next request (it started over once more) is heard again.
    const fresh: SnapshotAck = { newest: undefined, previous: 0, resync: true };
    let tick = 5;
    for (let round = 0; round < 2; round++) {
      let restarted = new SnapshotDecoder(registry);
      for (const end = tick + 3; tick < end; tick++) {
        once.receiveAck({ ...fresh });
        repeated.receiveAck({ ...fresh });
        repeated.receiveAck({ ...fresh });
        const frame = table.frame(tick);
        const a = once.encode(frame);
        expect(repeated.encode(frame).bytes).toEqual(a.bytes);
        expect(a.sent).toHaveLength(4);
        restarted = new SnapshotDecoder(registry);
        expect(restarted.decode(a.bytes).kind).toBe('applied');
      }
      once.receiveAck(restarted.ack());
      repeated.receiveAck(restarted.ack());
      const quiet = table.frame(tick++);
      const a = once.encode(quiet);
      expect(repeated.encode(quiet).bytes).toEqual(a.bytes);
      expect(a.sent).toHaveLength(0);
    }
  });
});
