import * as fc from 'fast-check';
import { BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { decodeAck, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, registry, world } from './harness.js';

/** A decode either gives an outcome or throws BAD_FRAME; anything else fails the test. */
function decodesCleanly(decoder: SnapshotDecoder, bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes).kind;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    return 'error';
  }
}

/** A client holding baselines, and a stream of valid deltas and creations to mutate. */
function session() {
  const table = world(6, 3);
  const encoder = new SnapshotEncoder(registry);
  const decoder = new SnapshotDecoder(registry);
  decoder.decode(encoder.encode(table.frame(0)).bytes);
  encoder.receiveAck(decoder.ack());
  table.update(1, Car, car(50, 3, 'mutated'));
  table.remove(4);
  table.spawn(Car, car(-3));
  return { valid: encoder.encode(table.frame(1)).bytes, decoder };
}

describe('snapshot decoder fuzzing', () => {
  it('random bytes give an outcome or BAD_FRAME, fast', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, primed) => {
        const decoder = primed ? session().decoder : new SnapshotDecoder(registry);
        const kind = decodesCleanly(decoder, bytes);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }),
      { numRuns: 3000 },
    );
    expect(kinds.get('error')).toBeGreaterThan(0);
  });

  it('mutated valid snapshots give an outcome or BAD_FRAME, and never apply half a snapshot', () => {
    const kinds = new Map<string, number>();
    const mutation = fc.record({
      flips: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      cut: fc.option(fc.nat()),
      extra: fc.uint8Array({ maxLength: 3 }),
    });
    fc.assert(
      fc.property(mutation, ({ flips, cut, extra }) => {
        const { valid, decoder } = session();
        const bytes = new Uint8Array([
          ...valid.subarray(0, cut === null ? valid.length : cut % valid.length),
          ...extra,
        ]);
        for (const flip of flips) {
          const bit = flip % Math.max(1, bytes.length * 8);
          if (bytes.length > 0) bytes[bit >>> 3]! ^= 1 << (bit & 7);
        }
        const before = [...decoder.ids()].map((id) => decoder.get(id));
        const kind = decodesCleanly(decoder, bytes);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (kind !== 'applied') expect([...decoder.ids()].map((id) => decoder.get(id))).toEqual(before);
      }),
      { numRuns: 3000 },
    );
    expect(kinds.get('error')).toBeGreaterThan(0);
    expect(kinds.get('resync')).toBeGreaterThan(0);
    // Damage that still parses is caught by the checksum, header included: almost none applies.
    expect(kinds.get('applied') ?? 0).toBeLessThan(30);
  });

  it('a huge record count in a short message is refused before any loop runs', () => {
    const writer = new BitWriter();
    writer.writeBits(0, 16); // seq
    writer.writeBits(0, 16); // stream
    writer.writeVarUint(0); // tick
    writer.writeBits(0, 1); // complete
    writer.writeBits(0, 1); // no acked snapshot named
    writer.writeBits(registry.fingerprint, 32); // so the entity types' fingerprint
    writer.writeBits(0, 1); // car deltas written whole (the one type with relative fields)
    writer.writeBits(0, 32); // checksum
    writer.writeVarUint(2 ** 49); // count: more records than bits left, even at one bit each
    expect(() => new SnapshotDecoder(registry).decode(writer.finish())).toThrow(/snapshot count/);
  });

  it('random bytes as an ack give an ack or BAD_FRAME', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        try {
          decodeAck(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
