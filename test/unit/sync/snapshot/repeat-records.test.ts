import { BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { EntityTable, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Rock, registry, Ship } from './ships-and-rocks.js';

// Repeats (docs/sync.md, "Snapshot wire format"): a record that is the next id, an unnamed delta with the
// previous record's mask, costs one bit of head.

function badFrame(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    return (error as ProtocolError).message;
  }
  throw new Error('expected BAD_FRAME');
}

/** A decoder holding ship 0 and rock 1 from snapshot 0 (tick 7), acked. */
function holding(): SnapshotDecoder {
  const table = new EntityTable();
  table.spawn(Ship, { hp: 100, shield: true });
  table.spawn(Rock, { size: 2 });
  const decoder = new SnapshotDecoder(registry);
  decoder.decode(new SnapshotEncoder(registry).encode(table.frame(7)).bytes);
  return decoder;
}

/** The header of snapshot 1 (tick 8) naming snapshot 0 as acked, ship deltas written whole. */
function header(count: number): BitWriter {
  const writer = new BitWriter();
  writer.writeBits(1, 16); // seq
  writer.writeBits(0, 16); // stream (the encoder's default)
  writer.writeVarUint(8); // tick
  writer.writeBits(1, 1); // complete
  writer.writeBits(1, 1); // acked named...
  writer.writeBits(0, 6); // ...1 back
  writer.writeBits(0, 1); // no predictor
  writer.writeBits(0, 1); // ship deltas whole
  writer.writeBits(0, 32); // checksum (never reached)
  writer.writeVarUint(count);
  return writer;
}

describe('repeated records', () => {
  it('a run of entities changing the same fields costs one bit of head each after the first', () => {
    const table = new EntityTable();
    for (let id = 0; id < 10; id++) table.spawn(Ship, { hp: 50, shield: false });
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(1)).bytes);
    encoder.receiveAck(decoder.ack());
    for (let id = 0; id < 10; id++) table.update(id, Ship, { hp: 60, shield: false });
    const snapshot = encoder.encode(table.frame(2));
    // Header: seq 16, stream 16, tick 8, complete 1, acked 7, predictor 1, ship mode 1, checksum 32, count 8
    // = 90. Then the first record: flag, gap, kind, mask 2, hp 7 (whole: +10 does not pay relative); then
    // nine repeats: flag and hp.
    expect(snapshot.bytes.length).toBe(Math.ceil((90 + (1 + 1 + 1 + 2 + 7) + 9 * (1 + 7)) / 8));
    expect(decoder.decode(snapshot.bytes)).toMatchObject({ kind: 'applied', updated: [...Array(10).keys()] });
    for (let id = 0; id < 10; id++) expect(decoder.stateOf(id, Ship)).toEqual({ hp: 60, shield: false });
  });

  it('a repeat as the first record is BAD_FRAME', () => {
    const writer = header(1);
    writer.writeBits(0, 1); // repeat
    writer.writeBits(0, 7);
    expect(badFrame(() => holding().decode(writer.finish()))).toMatch(/repeat must follow/);
  });

  it('a repeat after a full state is BAD_FRAME', () => {
    const writer = header(2);
    writer.writeBits(1, 1); // a record of its own
    writer.writeBits(0, 1); // gap 0: id 0
    writer.writeBits(0b01, 2); // full
    writer.writeBits(0, 1); // ship
    writer.writeBits(100, 7);
    writer.writeBits(1, 1);
    writer.writeBits(0, 1); // repeat: id 1
    expect(badFrame(() => holding().decode(writer.finish()))).toMatch(/repeat must follow/);
  });

  it('a repeated mask naming fields the next entity has not is BAD_FRAME', () => {
    const writer = header(2);
    writer.writeBits(1, 1); // a record of its own
    writer.writeBits(0, 1); // gap 0: id 0, the ship
    writer.writeBits(0, 1); // delta
    writer.writeBits(0b10, 2); // mask: shield
    writer.writeBits(0, 1); // shield off
    writer.writeBits(0, 1); // repeat: id 1, the rock, which has one field
    writer.writeBits(0, 2);
    expect(badFrame(() => holding().decode(writer.finish()))).toMatch(/repeated mask/);
  });
});
