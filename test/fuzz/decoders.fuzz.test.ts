import * as fc from 'fast-check';
import {
  BitReader,
  clientToServerKinds,
  decodeFrame,
  encodeData,
  encodeMessage,
  isErrorCode,
  Kind,
  ProtocolError,
  readVarUint,
  serverToClientKinds,
  wrapExpiring,
  wrapReliable,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

/** The property every decoder must keep: a value or a ProtocolError with a documented code, nothing else. */
function returnsOrFailsCleanly(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof ProtocolError && isErrorCode(error.code)) return true;
    throw error;
  }
}

const allKinds = new Set([...clientToServerKinds, ...serverToClientKinds]);
const sides = [clientToServerKinds, serverToClientKinds];

/** Valid frames of many kinds, as seeds for mutation. */
const seeds: Uint8Array[] = [
  encodeMessage(Kind.Hello, { v: 1, resume: { playerId: 'pA1b2C3d4E5f6G7h', token: 'tok', ack: 9 } }),
  wrapReliable(5, encodeMessage(Kind.JoinRoom, { rid: 2, roomId: 'AbCdEfGhIj', options: { team: 'red' } })),
  wrapExpiring(6, 250, encodeMessage(Kind.ClientRoomMessage, { t: 'fire', d: { x: 1, y: [1, 2, 3] } })),
  wrapReliable(7, encodeMessage(Kind.Response, { rid: 2, ok: true, result: { rooms: [] } })),
  encodeMessage(Kind.Pong, { id: 1, t: 1000, rt: 1012.5 }),
  wrapExpiring(
    9,
    250,
    encodeMessage(Kind.DataToPeer, { to: 'pA1b2C3d4E5f6G7h', c: 1, p: Uint8Array.of(1, 2, 3, 4) }),
  ),
  encodeMessage(Kind.DataFromPeer, { from: 'pA1b2C3d4E5f6G7h', c: 0, p: new Uint8Array(24), t: 1e12 }),
  wrapReliable(
    8,
    encodeMessage(Kind.ServerRoomMessage, {
      roomId: 'AbCdEfGhIj',
      t: 'chat',
      d: { text: 'hi', n: [1, { a: true }] },
    }),
  ),
];

const mutation = fc.record({
  seed: fc.nat({ max: seeds.length - 1 }),
  edits: fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    ),
    { minLength: 1, maxLength: 6 },
  ),
});

type MutationPlan = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate({ seed, edits }: MutationPlan): Uint8Array {
  const bytes = [...(seeds[seed] ?? [])];
  for (const edit of edits) {
    const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
    if (edit.op === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << edit.bit);
    else if (edit.op === 'set') bytes[at] = edit.byte;
    else if (edit.op === 'insert') bytes.splice(at, 0, edit.byte);
    else if (edit.op === 'delete') bytes.splice(at, 1);
    else bytes.length = at;
  }
  return Uint8Array.from(bytes);
}

// Runs per property; the total across this file is printed by the last test and must reach 100,000.
const RUNS = {
  random: 30_000,
  mutated: 40_000,
  structured: 20_000,
  varuint: 10_000,
  bits: 10_000,
  roundTrip: 5_000,
};

describe('decoder fuzzing', () => {
  it('random bytes: decodeFrame never fails except with a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.nat({ max: 1 }), (bytes, side) =>
        returnsOrFailsCleanly(() => decodeFrame(bytes, sides[side]!)),
      ),
      { numRuns: RUNS.random },
    );
  });

  it('mutated valid frames: flips, inserts, deletes and truncations fail cleanly', () => {
    fc.assert(
      fc.property(mutation, (edits) => returnsOrFailsCleanly(() => decodeFrame(mutate(edits), allKinds))),
      { numRuns: RUNS.mutated },
    );
  });

  it('structured garbage: any msgpack value under any kind byte, bare or enveloped', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0x40 }),
        fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }),
        fc.oneof(fc.constant('bare'), fc.constant('reliable'), fc.constant('expiring')),
        (kind, value, envelope) => {
          let body: Uint8Array;
          try {
            body = encodeData(value);
          } catch {
            return true; // not encodable (e.g. a symbol): nothing to send
          }
          const inner = Uint8Array.of(kind, ...body);
          const frame =
            envelope === 'bare'
              ? inner
              : envelope === 'reliable'
                ? wrapReliable(1, inner)
                : wrapExpiring(1, 9, inner);
          return returnsOrFailsCleanly(() => decodeFrame(frame, allKinds));
        },
      ),
      { numRuns: RUNS.structured },
    );
  });

  it('varuints at any offset of random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.nat({ max: 16 }), (bytes, offset) =>
        returnsOrFailsCleanly(() => readVarUint(bytes, offset)),
      ),
      { numRuns: RUNS.varuint },
    );
  });

  it('bit reads of random widths over random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 24 }),
        fc.array(fc.nat({ max: 32 }), { maxLength: 12 }),
        (bytes, widths) =>
          returnsOrFailsCleanly(() => {
            const reader = new BitReader(bytes);
            for (const width of widths) reader.readBits(width);
            reader.readVarUint();
            reader.readVarInt();
          }),
      ),
      { numRuns: RUNS.bits },
    );
  });

  it('valid room messages round-trip exactly', () => {
    // Through JSON once: msgpack, like JSON, has no negative zero, so -0 comes back as 0.
    const data = fc
      .jsonValue({ maxDepth: 4 })
      .filter((value) => value !== null && !JSON.stringify(value).includes('"__proto__"')) // refused by design
      .map((value) => JSON.parse(JSON.stringify(value)) as unknown);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        data,
        fc.integer({ min: 1, max: 2 ** 40 }),
        (t, d, seq) => {
          const frame = wrapReliable(seq, encodeMessage(Kind.ClientRoomMessage, { t, d }));
          const decoded = decodeFrame(frame, clientToServerKinds);
          expect(decoded).toEqual({
            envelope: 'reliable',
            seq,
            message: { kind: Kind.ClientRoomMessage, body: { t, d } },
          });
        },
      ),
      { numRuns: RUNS.roundTrip },
    );
  });

  it('ran at least 100,000 generated inputs in total', () => {
    const total = Object.values(RUNS).reduce((sum, runs) => sum + runs, 0);
    expect(total).toBeGreaterThanOrEqual(100_000);
  });
});
