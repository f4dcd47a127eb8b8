import { BitReader, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { SharedSnapshots, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied, Car, car, checkComplete, registry, world } from './harness.js';

/** Cars on a steady course, one client acking every snapshot: from the third on, bodies predict. */
function steadyStream(ticks: number) {
  const table = world(8);
  const shared = new SharedSnapshots(registry);
  const encoder = new SnapshotEncoder(registry, { shared });
  const decoder = new SnapshotDecoder(registry);
  const snapshots: Uint8Array[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    for (let id = 0; id < 8; id++) table.update(id, Car, car(-80 + id * 10 + tick * (1 + id / 4)));
    const bytes = encoder.encode(table.frame(tick)).bytes;
    applied(decoder.decode(bytes));
    encoder.receiveAck(decoder.ack());
    snapshots.push(bytes);
  }
  return { snapshots, shared, table };
}

/** Bit offset of the first relative mode in a header with an acked snapshot and a predictor (tick < 128). */
const MODES_AT = 16 + 16 + 8 + 1 + 7 + 7;

describe('predicted motion in shared bodies', () => {
  it('names a predictor and writes the car type in mode 2 once the client was in step twice', () => {
    const { snapshots, shared } = steadyStream(6);
    expect(shared.stats.predicted).toBeGreaterThan(0);
    const reader = new BitReader(snapshots[5] as Uint8Array);
    reader.readBits(16); // seq
    reader.readBits(16); // stream
    reader.readVarUint();
    expect(reader.readBits(1)).toBe(1); // complete
    expect(reader.readBits(1)).toBe(1); // acked...
    reader.readBits(6);
    expect(reader.readBits(1)).toBe(1); // ...and a predictor
    reader.readBits(6);
    expect(reader.readBits(2)).toBe(2); // cars: relative to the prediction
  });

  it('refuses relative mode 3 with BAD_FRAME', () => {
    const { snapshots } = steadyStream(6);
    const bytes = (snapshots[5] as Uint8Array).slice();
    // Mode 2 is bits `01` from MODES_AT (least significant first): set the low bit too.
    const index = MODES_AT >>> 3;
    bytes[index] = (bytes[index] as number) | (1 << (MODES_AT & 7));
    const decoder = new SnapshotDecoder(registry);
    try {
      decoder.decode(bytes);
      expect.unreachable('mode 3 decoded');
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    }
  });

  it('answers a predicted snapshot it cannot follow with a resync, and changes nothing', () => {
    const { snapshots } = steadyStream(6);
    // A client that starts over (a fresh decoder): it never applied the acked or the predictor snapshot.
    const decoder = new SnapshotDecoder(registry);
    applied(decoder.decode(snapshots[0] as Uint8Array));
    const outcome = decoder.decode(snapshots[5] as Uint8Array);
    expect(outcome.kind).toBe('resync');
    if (outcome.kind === 'resync') expect(outcome.reason).toMatch(/acked or the predictor snapshot/);
    expect(decoder.resyncRequested).toBe(true);
    expect(decoder.get(0)?.codes[0]).toBe(Car.fields[0]?.quantize(-80));
  });

  it('keeps every client exact when some lose snapshots and others do not', () => {
    const table = world(12);
    const shared = new SharedSnapshots(registry);
    const clients = Array.from({ length: 6 }, (_, index) => ({
      encoder: new SnapshotEncoder(registry, { shared }),
      decoder: new SnapshotDecoder(registry),
      // Client i loses every snapshot whose tick is 1 modulo (i + 3): different gaps for each.
      loses: (tick: number) => index > 0 && tick % (index + 3) === 1,
    }));
    for (let tick = 0; tick < 60; tick++) {
      for (let id = 0; id < 12; id++) table.update(id, Car, car(-90 + id * 5 + ((tick * (id + 1)) % 60) / 2));
      const frame = table.frame(tick);
      for (const client of clients) {
        const bytes = client.encoder.encode(frame).bytes;
        if (client.loses(tick)) continue;
        applied(client.decoder.decode(bytes));
        checkComplete(client.decoder, frame);
        client.encoder.receiveAck(client.decoder.ack());
      }
    }
    expect(shared.stats.predicted).toBeGreaterThan(30);
  });

  it('writes the same bytes whether a body is written at once against the prediction or sized first', () => {
    // Two worlds fed the same frames. Cars that shake back and forth predict worse than their baseline,
    // so a body written at once against the prediction must be sized and written again in baseline mode
    // (after which the next bodies are sized first); then a steady course, predicted again.
    const table = world(10);
    const sides = [0, 1].map(() => {
      const shared = new SharedSnapshots(registry);
      return {
        shared,
        encoder: new SnapshotEncoder(registry, { shared }),
        decoder: new SnapshotDecoder(registry),
      };
    });
    for (let tick = 0; tick < 80; tick++) {
      for (let id = 0; id < 10; id++) {
        const x =
          tick < 30 ? -60 + id * 4 + (tick % 2) * 0.4 : -60 + id * 4 + (tick - 30) * 0.37 * (1 + id / 10);
        table.update(id, Car, car(x, 100 - (tick % 7)));
      }
      const frame = table.frame(tick);
      const [first, second] = sides.map(({ encoder, decoder }) => {
        const bytes = encoder.encode(frame).bytes;
        applied(decoder.decode(bytes));
        checkComplete(decoder, frame);
        encoder.receiveAck(decoder.ack());
        return bytes;
      });
      expect(second).toEqual(first);
    }
    for (const { shared } of sides) {
      expect(shared.stats.predicted).toBeGreaterThan(20);
      expect(shared.stats.predicted).toBeLessThan(shared.stats.bodies - 20);
    }
  });
});
