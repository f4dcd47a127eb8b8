import { SharedSnapshots, type SnapshotAck, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, registry, world } from './harness.js';

/*
 * A client that lost its copies (a new SyncedState in the same room) answers every snapshot it cannot
 * apply with a resync request that carries no seq. Several are in flight by the time the first one
 * arrives (one per snapshot sent during a round trip), and none of them can say it was sent before the
 * reset the first one caused. Honouring each would reset again and again, and the ack of the first full
 * snapshot would then count as stale: the whole world sent in full once per snapshot in flight.
 */

const WORLD = 6;

/** Snapshots sent from the moment the client lost its copies until it is in step and quiet again. */
function recordsUntilQuiet(shared: boolean, ackDelay: number): { records: number; snapshots: number } {
  const table = world(WORLD);
  const encoder = new SnapshotEncoder(registry, shared ? { shared: new SharedSnapshots(registry) } : {});
  let decoder = new SnapshotDecoder(registry);
  let tick = 0;
  // In step first: every ack delivered at once.
  for (; tick < 5; tick++) {
    decoder.decode(encoder.encode(table.frame(tick)).bytes);
    encoder.receiveAck(decoder.ack());
  }
  table.update(0, Car, car(50));
  decoder = new SnapshotDecoder(registry);
  // From here the acks take `ackDelay` snapshots to arrive, in order (a WebSocket's round trip).
  const inFlight: SnapshotAck[] = [];
  let records = 0;
  let snapshots = 0;
  for (let quiet = 0; quiet < ackDelay + 3; tick++) {
    const snapshot = encoder.encode(table.frame(tick));
    records += snapshot.sent.length;
    snapshots++;
    quiet = snapshot.sent.length === 0 ? quiet + 1 : 0;
    decoder.decode(snapshot.bytes);
    inFlight.push(decoder.ack());
    while (inFlight.length > ackDelay) encoder.receiveAck(inFlight.shift() as SnapshotAck);
    if (snapshots > 200) throw new Error('the client never came back in step');
  }
  checkComplete(decoder, table.frame(tick - 1));
  return { records, snapshots };
}

describe('SnapshotEncoder and resync requests already in flight', () => {
  for (const shared of [true, false]) {
    it(`sends the world in full once per round trip, not once per request in flight (${shared ? 'shared' : 'per-client'})`, () => {
      for (const ackDelay of [0, 3, 6]) {
        const { records } = recordsUntilQuiet(shared, ackDelay);
        // The change the client cannot apply, in every snapshot sent before its request arrives, then the
        // world in full in every snapshot sent before the ack of the first full one comes back.
        expect(records, `ack delay ${ackDelay}`).toBeLessThanOrEqual((ackDelay + 1) * (1 + WORLD));
      }
    });
  }
});
