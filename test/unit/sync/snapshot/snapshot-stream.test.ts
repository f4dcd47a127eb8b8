import {
  epochOf,
  membershipOf,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  snapshotStream,
  streamNewer,
  streamOf,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, registry, world } from './harness.js';

/*
 * Every snapshot names its stream (the player's membership in the room and the epoch of the room's
 * RoomSync), so a decoder never takes another stream's snapshots for its own: their seqs are unrelated.
 */
describe('snapshot streams', () => {
  it('packs a membership and an epoch into a stream, and orders streams', () => {
    const stream = streamOf(7, 3);
    expect(membershipOf(stream)).toBe(7);
    expect(epochOf(stream)).toBe(3);
    expect(streamNewer(streamOf(8, 0), streamOf(7, 200))).toBe(true); // a later membership first
    expect(streamNewer(streamOf(7, 4), streamOf(7, 3))).toBe(true);
    expect(streamNewer(streamOf(7, 3), streamOf(7, 4))).toBe(false);
    expect(streamNewer(streamOf(7, 0), streamOf(7, 255))).toBe(true); // epochs wrap
    expect(streamNewer(streamOf(0, 0), streamOf(255, 0))).toBe(true); // memberships too
    expect(streamNewer(stream, stream)).toBe(false);
    for (const [membership, epoch] of [
      [-1, 0],
      [256, 0],
      [0, 256],
      [0, 1.5],
    ] as const) {
      expect(() => streamOf(membership, epoch)).toThrow(RangeError);
    }
  });

  for (const shared of [false, true]) {
    it(`writes the encoder's stream in every snapshot (${shared ? 'shared bodies' : 'per client'})`, () => {
      const table = world(4);
      const sharedSnapshots = shared ? new SharedSnapshots(registry) : undefined;
      const options = sharedSnapshots ? { shared: sharedSnapshots } : {};
      const first = new SnapshotEncoder(registry, { ...options, stream: streamOf(1, 0) });
      const second = new SnapshotEncoder(registry, { ...options, stream: streamOf(2, 5), firstSeq: 900 });
      const decoders = [new SnapshotDecoder(registry), new SnapshotDecoder(registry)];
      for (let tick = 0; tick < 6; tick++) {
        table.update(tick % 4, Car, car(tick));
        const frame = table.frame(tick);
        for (const [index, encoder] of [first, second].entries()) {
          const snapshot = encoder.encode(frame);
          expect(snapshotStream(snapshot.bytes)).toBe(index === 0 ? streamOf(1, 0) : streamOf(2, 5));
          const decoder = decoders[index] as SnapshotDecoder;
          expect(decoder.decode(snapshot.bytes).kind).toBe('applied');
          encoder.receiveAck(decoder.ack());
        }
      }
      // In step: the later snapshots came from one shared body, each with its own stream patched in.
      if (shared) expect(sharedSnapshots?.stats.reused).toBeGreaterThan(0);
      for (const decoder of decoders) checkComplete(decoder, table.frame(5));
      expect(decoders[1]?.stream).toBe(streamOf(2, 5));
    });
  }

  it("a decoder leaves another stream's snapshot alone, whatever its seq", () => {
    const table = world(3);
    const old = new SnapshotEncoder(registry, { stream: streamOf(1, 0), firstSeq: 100 });
    const decoder = new SnapshotDecoder(registry);
    expect(decoder.stream).toBeUndefined();
    expect(decoder.decode(old.encode(table.frame(1)).bytes).kind).toBe('applied');
    expect(decoder.stream).toBe(streamOf(1, 0));
    const ack = decoder.ack();
    // A new RoomSync (the next epoch) whose seqs happen to be behind the old one's, and ahead.
    for (const firstSeq of [10, 5_000]) {
      const next = new SnapshotEncoder(registry, { stream: streamOf(1, 1), firstSeq });
      const outcome = decoder.decode(next.encode(table.frame(2)).bytes);
      expect(outcome).toEqual({ kind: 'otherStream', seq: firstSeq, stream: streamOf(1, 1) });
    }
    // Nothing changed: the same entities, the same ack.
    expect(decoder.size).toBe(3);
    expect(decoder.ack()).toEqual(ack);
    expect(decoder.stream).toBe(streamOf(1, 0));
  });

  it('takes a stream of 0 when none is given, and refuses one outside 0..65535', () => {
    const snapshot = new SnapshotEncoder(registry).encode(world(1).frame(0));
    expect(snapshotStream(snapshot.bytes)).toBe(0);
    for (const stream of [-1, 65_536, 0.5, Number.NaN]) {
      expect(() => new SnapshotEncoder(registry, { stream })).toThrow(RangeError);
    }
    expect(() => snapshotStream(new Uint8Array(3))).toThrow(/BAD_FRAME|snapshot stream/);
  });
});
