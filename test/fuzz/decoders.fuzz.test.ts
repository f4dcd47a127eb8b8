import * as fc from 'fast-check';
import {
  allErrorCodes,
  BitReader,
  type BodyKind,
  clientToServerKinds,
  connectionKinds,
  decodeFrame,
  encodeData,
  encodeMessage,
  isErrorCode,
  Kind,
  MAX_DATA_DEPTH,
  MEMBERSHIP_NUMBERS,
  type Message,
  ProtocolError,
  readVarUint,
  schemaByKind,
  serverToClientKinds,
  wrapExpiring,
  wrapReliable,
} from 'vehikill-net/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, goldenFrames } from '../support/golden-frames.js';
import { bodyKinds, examples } from '../unit/protocol/message-examples.js';

/**
 * Every decoder must keep one promise on any input: return a value, or throw a ProtocolError whose code
 * is one of the ErrorCode values. Nothing else may escape, and nothing may hang. fast-check prints the
 * seed and the shrunk counterexample of a failure; rerun with `{ seed, path }` to reproduce it.
 */

// Inputs per property. The last test checks that the total actually run reaches 100,000.
const RUNS = {
  randomBytes: 24_000,
  randomAfterHeader: 16_000,
  mutated: 36_000,
  structured: 12_000,
  nearValid: 12_000,
  deepNesting: 300,
  varuint: 8_000,
  bits: 8_000,
  roundTrip: 8_000,
};
let executed = 0;
let slowestMs = 0;

/** Runs one decode under the promise; counts it and remembers the slowest. */
function returnsOrFailsCleanly(run: () => unknown): boolean {
  executed++;
  const started = performance.now();
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProtocolError && isErrorCode(error.code))) throw error;
  } finally {
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return true;
}

const allKinds: ReadonlySet<number> = new Set([...clientToServerKinds, ...serverToClientKinds]);
const receivers = [clientToServerKinds, serverToClientKinds, allKinds] as const;
const receiver = fc.constantFrom(...receivers);
const kindBytes = Object.values(Kind);

type Envelope = 'bare' | 'reliable' | 'expiring';
const envelope = fc.constantFrom<Envelope>('bare', 'reliable', 'expiring');
function wrap(inner: Uint8Array, how: Envelope, seq = 1, ttlMs = 250): Uint8Array {
  if (how === 'reliable') return wrapReliable(seq, inner);
  if (how === 'expiring') return wrapExpiring(seq, ttlMs, inner);
  return inner;
}

/** Valid frames as mutation seeds: every golden frame in docs/protocol.md and every valid example. */
const seeds: Uint8Array[] = goldenFrames.map((golden) => fromHex(golden.hex));
for (const kind of bodyKinds) {
  for (const body of examples[kind].valid) {
    const inner = encodeMessage(kind, body as never);
    seeds.push(inner);
    if (!connectionKinds.has(kind)) seeds.push(wrapReliable(300, inner), wrapExpiring(70_000, 250, inner));
  }
}

describe('decoder fuzzing', () => {
  afterAll(() => {
    // A failing property says so itself; here only the budget is checked, silently.
    expect(slowestMs).toBeLessThan(2_000);
  });

  it('random bytes never escape as anything but a ProtocolError, on either side', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), receiver, (bytes, accepted) =>
        returnsOrFailsCleanly(() => decodeFrame(bytes, accepted)),
      ),
      { numRuns: RUNS.randomBytes },
    );
  });

  it('random bytes behind a well-formed kind or envelope header', () => {
    const header = fc.oneof(
      fc.constantFrom(...kindBytes).map((kind) => [kind]),
      fc
        .tuple(fc.maxSafeNat(), fc.constantFrom(...kindBytes))
        .map(([seq, kind]) => [...wrapReliable(seq, Uint8Array.of(kind))]),
      fc
        .tuple(fc.maxSafeNat(), fc.nat({ max: 100_000 }), fc.constantFrom(...kindBytes))
        .map(([seq, ttl, kind]) => [...wrapExpiring(seq, ttl, Uint8Array.of(kind))]),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), receiver, (head, tail, accepted) =>
        returnsOrFailsCleanly(() => decodeFrame(Uint8Array.of(...head, ...tail), accepted)),
      ),
      { numRuns: RUNS.randomAfterHeader },
    );
  });

  it('mutated valid frames: flips, sets, inserts, deletes, duplicates and truncations', () => {
    const edit = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        op: fc.constant('duplicate' as const),
        at: fc.nat(),
        count: fc.integer({ min: 1, max: 8 }),
      }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    );
    type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;
    const mutate = (seed: Uint8Array, edits: Edit[]): Uint8Array => {
      const bytes = [...seed];
      for (const change of edits) {
        const at = bytes.length === 0 ? 0 : change.at % bytes.length;
        if (change.op === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << change.bit);
        else if (change.op === 'set') bytes[at] = change.byte;
        else if (change.op === 'insert') bytes.splice(at, 0, change.byte);
        else if (change.op === 'delete') bytes.splice(at, change.count);
        else if (change.op === 'duplicate') bytes.splice(at, 0, ...bytes.slice(at, at + change.count));
        else bytes.length = at;
      }
      return Uint8Array.from(bytes);
    };
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        receiver,
        (seed, edits, accepted) =>
          returnsOrFailsCleanly(() => decodeFrame(mutate(seeds[seed]!, edits), accepted)),
      ),
      { numRuns: RUNS.mutated },
    );
  });

  it('any msgpack value under a valid kind byte, bare or enveloped', () => {
    const value = fc.anything({
      maxDepth: 4,
      withNullPrototype: true,
      withObjectString: true,
      withTypedArray: true,
      withDate: true,
      withMap: true,
      withSet: true,
    });
    fc.assert(
      fc.property(fc.constantFrom(...bodyKinds), value, envelope, receiver, (kind, body, how, accepted) => {
        let bytes: Uint8Array;
        try {
          bytes = encodeData(body);
        } catch {
          executed++;
          return true; // not encodable (a symbol, a bigint...): nothing a sender could put on the wire
        }
        return returnsOrFailsCleanly(() => decodeFrame(wrap(Uint8Array.of(kind, ...bytes), how), accepted));
      }),
      { numRuns: RUNS.structured },
    );
  });

  it('valid bodies with one field replaced, removed or added', () => {
    const anyValue = fc.oneof(
      fc.anything({ maxDepth: 3, withTypedArray: true }),
      fc.string({ maxLength: 200 }),
      fc.double(),
      fc.integer(),
      fc.constantFrom(-1, 0, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, 'left', 'KICKED', true, null),
    );
    const plan = fc.record({
      kind: fc.constantFrom(...bodyKinds),
      example: fc.nat(),
      field: fc.nat(),
      action: fc.constantFrom('replace', 'remove', 'add'),
      value: anyValue,
      how: envelope,
    });
    fc.assert(
      fc.property(plan, receiver, ({ kind, example, field, action, value, how }, accepted) => {
        const valid = examples[kind].valid;
        const body = { ...(valid[example % valid.length] as Record<string, unknown>) };
        const keys = Object.keys(body);
        const key = action === 'add' || keys.length === 0 ? `extra${field % 3}` : keys[field % keys.length]!;
        if (action === 'remove') delete body[key];
        else body[key] = value;
        let bytes: Uint8Array;
        try {
          bytes = encodeData(body);
        } catch {
          executed++;
          return true;
        }
        return returnsOrFailsCleanly(() => decodeFrame(wrap(Uint8Array.of(kind, ...bytes), how), accepted));
      }),
      { numRuns: RUNS.nearValid },
    );
  });

  it('fields nested thousands of levels deep fail cleanly, in any field of any kind', () => {
    const plan = fc.record({
      kind: fc.constantFrom(...bodyKinds),
      field: fc.nat(),
      depth: fc.oneof(fc.integer({ min: 0, max: MAX_DATA_DEPTH + 2 }), fc.integer({ min: 0, max: 30_000 })),
      opener: fc.constantFrom([0x91], [0x81, 0xa1, 0x61], [0xdc, 0x00, 0x01]),
    });
    fc.assert(
      fc.property(plan, ({ kind, field, depth, opener }) => {
        // Encode the body with a placeholder in one field, then splice the nesting in as raw msgpack.
        const body = { ...(examples[kind].valid[0] as Record<string, unknown>) };
        const keys = Object.keys(body);
        const key = keys[field % keys.length] ?? 'x';
        body[key] = 'PLACEHOLDER';
        const encoded = [...encodeData(body)];
        const marker = [...encodeData('PLACEHOLDER')];
        const at = encoded.findIndex((_, i) => marker.every((byte, j) => encoded[i + j] === byte));
        const nesting: number[] = [];
        for (let level = 0; level < depth; level++) nesting.push(...opener);
        encoded.splice(at, marker.length, ...nesting, 0x01);
        return returnsOrFailsCleanly(() => decodeFrame(Uint8Array.of(kind, ...encoded), allKinds));
      }),
      { numRuns: RUNS.deepNesting },
    );
  });

  it('readVarUint at any offset of random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.integer({ min: 0, max: 20 }), (bytes, offset) =>
        returnsOrFailsCleanly(() => {
          const { value, next } = readVarUint(bytes, offset);
          // A value it returns is a real one: safe, and it consumed bytes that exist.
          if (!Number.isSafeInteger(value) || value < 0 || next <= offset || next > bytes.length) {
            throw new Error(`readVarUint returned ${value}, next ${next}`);
          }
        }),
      ),
      { numRuns: RUNS.varuint },
    );
  });

  it('BitReader reads of random widths and kinds over random bytes', () => {
    const read = fc.oneof(
      fc.nat({ max: 32 }),
      fc.constantFrom('bool' as const, 'varuint' as const, 'varint' as const, 'float32' as const),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.array(read, { maxLength: 12 }), (bytes, reads) =>
        returnsOrFailsCleanly(() => {
          const reader = new BitReader(bytes);
          for (const step of reads) {
            if (typeof step === 'number') {
              const value = reader.readBits(step);
              if (!(value >= 0 && value < 2 ** step)) throw new Error(`readBits(${step}) gave ${value}`);
            } else if (step === 'bool') reader.readBool();
            else if (step === 'varuint') reader.readVarUint();
            else if (step === 'varint') reader.readVarInt();
            else reader.readFloat32();
            if (reader.bitsRemaining < 0) throw new Error('read past the end');
          }
        }),
      ),
      { numRuns: RUNS.bits },
    );
  });

  it('valid bodies of many kinds round-trip exactly, in every envelope they may travel in', () => {
    fc.assert(
      fc.property(
        validMessage,
        envelope,
        fc.maxSafeNat(),
        fc.nat({ max: 60_000 }),
        (message, how, seq, ttl) => {
          executed++;
          const bare = connectionKinds.has(message.kind);
          const frame = wrap(
            encodeMessage(message.kind, message.body as never),
            bare ? 'bare' : how,
            seq,
            ttl,
          );
          const decoded = decodeFrame(frame, allKinds);
          const sent = bare || how === 'bare' ? 'bare' : how;
          expect(decoded).toStrictEqual({
            envelope: sent,
            ...(sent === 'bare' ? {} : { seq }),
            ...(sent === 'expiring' ? { ttlMs: ttl } : {}),
            message,
          });
        },
      ),
      { numRuns: RUNS.roundTrip },
    );
  });

  it('ran at least 100,000 generated inputs in total', () => {
    const planned = Object.values(RUNS).reduce((sum, runs) => sum + runs, 0);
    expect(planned).toBeGreaterThanOrEqual(100_000);
    expect(executed).toBeGreaterThanOrEqual(planned);
  });
});

// Arbitraries matching the schemas in src/protocol/messages.ts ------------------------------

/** Decoded bodies are plain objects, so generated ones must be too (fc.record can build null-prototype ones). */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.record(model, { noNullPrototype: true });
const optional = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: (keyof T)[]) =>
  fc.record(model, { requiredKeys: required, noNullPrototype: true });
/** msgpack, like JSON, has no negative zero: -0 is sent as the integer 0. */
const noNegativeZero = (value: number) => (Object.is(value, -0) ? 0 : value);
const text = (maxLength: number, minLength = 0) =>
  fc
    .string({ unit: 'binary', minLength, maxLength })
    .filter((value) => value.length >= minLength && value.length <= maxLength);
const playerId = fc.stringMatching(/^[A-Za-z0-9_-]{8,32}$/);
const roomId = fc.stringMatching(/^[A-Za-z0-9_-]{4,32}$/);
const roomType = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const uint32 = fc
  .tuple(fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff }))
  .map(([high, low]) => high * 0x10000 + low);
const seqNumber = fc.maxSafeNat();
const timestamp = fc
  .oneof(fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true }))
  .map(noNegativeZero);
const errorCode = fc.constantFrom(...allErrorCodes());
const reason = text(512);
const name = text(64);
const messageType = text(64, 1);
const scalar = fc.oneof(text(128), fc.double({ noNaN: true }).map(noNegativeZero), fc.boolean());
/** valibot's record drops these keys (a prototype-pollution guard), so they cannot round-trip. */
const guardedKeys = new Set(['__proto__', 'constructor', 'prototype']);
const flatRecord = fc.dictionary(
  text(32, 1).filter((key) => !guardedKeys.has(key)),
  scalar,
  { maxKeys: 16, noNullPrototype: true },
);
/** Free-form data: JSON-like values and byte arrays, well within the depth limit, no `__proto__` keys. */
const data: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.constantFrom(null, true, false),
    fc.double({ noNaN: true }).map(noNegativeZero),
    fc.maxSafeInteger(),
    text(40),
    fc.uint8Array({ maxLength: 32 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      text(12).filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 4, noNullPrototype: true },
    ),
  ),
})).value;
const member = record({ playerId, name, away: fc.boolean() });
const roomInfo = fc.record(
  {
    roomId,
    type: roomType,
    code: text(12, 4),
    private: fc.boolean(),
    clients: fc.nat(),
    maxClients: fc.integer({ min: 1, max: 1_000 }),
    metadata: flatRecord,
    nodeId: text(64),
  },
  {
    requiredKeys: ['roomId', 'type', 'private', 'clients', 'maxClients', 'metadata', 'nodeId'],
    noNullPrototype: true,
  },
);
const iceUrl = fc
  .tuple(fc.constantFrom('stun:', 'stuns:', 'turn:', 'turns:'), text(200))
  .map(([scheme, rest]) => scheme + rest);
const iceServer = optional(
  {
    urls: fc.oneof(iceUrl, fc.array(iceUrl, { maxLength: 8 })),
    username: text(256),
    credential: text(256),
  },
  ['urls'],
);
const linkChannel = fc.integer({ min: 0, max: 3 });
const peerBytes = fc.uint8Array({ maxLength: 2_048 });
const linkSignal = fc.oneof(
  record({
    description: record({
      type: fc.constantFrom('offer' as const, 'answer' as const),
      sdp: fc.string({ maxLength: 200 }),
    }),
  }),
  record({
    candidate: optional(
      {
        candidate: fc.string({ maxLength: 120 }),
        sdpMid: fc.option(fc.string({ maxLength: 8 })),
        sdpMLineIndex: fc.option(fc.integer({ min: 0, max: 64 })),
        usernameFragment: fc.option(fc.string({ maxLength: 16 })),
      },
      [],
    ),
  }),
);
const attempt = fc.integer({ min: 0, max: 1_000_000 });
/** Which seating of its session a room or peer message was sent in (one byte, or two past 127). */
const membership = fc.integer({ min: 0, max: MEMBERSHIP_NUMBERS - 1 });

/** ListRooms and WatchRooms carry the same query. */
const roomQuery = optional(
  {
    rid: uint32,
    type: roomType,
    filter: flatRecord,
    includeFull: fc.boolean(),
    limit: fc.integer({ min: 1 }),
  },
  ['rid'],
);

const bodyArbitraries: { [K in BodyKind]?: fc.Arbitrary<unknown> } = {
  [Kind.Hello]: optional(
    { v: fc.integer(), resume: record({ playerId, token: text(128), ack: seqNumber }) },
    ['v'],
  ),
  [Kind.Welcome]: optional(
    {
      playerId,
      resumeToken: text(128),
      name,
      resumed: fc.boolean(),
      resync: fc.boolean(),
      ack: seqNumber,
      serverTime: timestamp,
      heartbeatMs: fc.integer({ min: 1, max: 600_000 }),
      graceMs: fc.nat(),
      iceServers: fc.array(iceServer, { maxLength: 8 }),
      iceTtlMs: fc.integer({ min: 1, max: 2 ** 31 }),
    },
    ['playerId', 'resumeToken', 'name', 'resumed', 'resync', 'ack', 'serverTime', 'heartbeatMs', 'graceMs'],
  ),
  [Kind.Error]: optional({ code: errorCode, message: reason, rid: uint32 }, ['code', 'message']),
  [Kind.Ping]: record({ id: uint32, t: timestamp }),
  [Kind.Pong]: record({ id: uint32, t: timestamp, rt: timestamp }),
  [Kind.Ack]: record({ ack: seqNumber }),
  [Kind.Bye]: record({ code: errorCode, message: reason }),
  [Kind.ListRooms]: roomQuery,
  [Kind.WatchRooms]: roomQuery,
  [Kind.UnwatchRooms]: record({ rid: uint32 }),
  [Kind.CreateRoom]: optional({ rid: uint32, type: roomType, private: fc.boolean(), options: data }, [
    'rid',
    'type',
  ]),
  [Kind.JoinRoom]: optional({ rid: uint32, roomId, options: data }, ['rid', 'roomId']),
  [Kind.JoinByCode]: optional({ rid: uint32, code: text(32), options: data }, ['rid', 'code']),
  [Kind.QuickPlay]: optional({ rid: uint32, type: roomType, filter: flatRecord, options: data }, [
    'rid',
    'type',
  ]),
  [Kind.LeaveRoom]: record({ rid: uint32 }),
  [Kind.ClientRoomMessage]: optional({ t: messageType, m: membership, d: data, q: uint32 }, ['t']),
  [Kind.SignalToPeer]: optional({ to: playerId, s: data, m: membership }, ['to', 's']),
  [Kind.DataToPeer]: optional({ to: playerId, c: linkChannel, p: peerBytes, m: membership }, [
    'to',
    'c',
    'p',
  ]),
  [Kind.DataToPeers]: optional(
    {
      to: fc.uniqueArray(playerId, { minLength: 1, maxLength: 64 }),
      c: fc.constant(0),
      p: peerBytes,
      m: membership,
    },
    ['to', 'c', 'p'],
  ),
  [Kind.LinkSignalToServer]: optional({ n: attempt, s: linkSignal, retry: fc.constant(true as const) }, [
    'n',
  ]),
  [Kind.DatagramToServer]: record({ c: linkChannel, p: fc.array(peerBytes, { minLength: 1, maxLength: 8 }) }),
  [Kind.Response]: fc.oneof(
    optional(
      {
        rid: uint32,
        ok: fc.constant(true as const),
        result: fc.oneof(
          data,
          optional({ room: roomInfo, members: fc.array(member, { maxLength: 8 }), membership }, [
            'room',
            'members',
          ]),
        ),
      },
      ['rid', 'ok'],
    ),
    record({ rid: uint32, ok: fc.constant(false as const), code: errorCode, message: reason }),
  ),
  [Kind.MemberJoined]: record({ roomId, member }),
  [Kind.MemberLeft]: record({ roomId, playerId, reason: fc.oneof(fc.constant('left'), errorCode) }),
  [Kind.MemberAway]: record({ roomId, playerId }),
  [Kind.MemberBack]: record({ roomId, playerId }),
  [Kind.RoomLeft]: record({ roomId, reason: fc.oneof(fc.constant('left'), errorCode), message: reason }),
  [Kind.RoomState]: optional({ roomId, members: fc.array(member, { maxLength: 8 }), state: data }, [
    'roomId',
    'members',
  ]),
  [Kind.ServerRoomMessage]: optional({ roomId, t: messageType, d: data, from: playerId }, ['roomId', 't']),
  [Kind.SignalFromPeer]: record({ from: playerId, s: data }),
  [Kind.DataFromPeer]: optional(
    { from: playerId, c: linkChannel, p: peerBytes, t: timestamp, m: membership },
    ['from', 'c', 'p', 't'],
  ),
  [Kind.LinkSignalFromServer]: record({ n: attempt, s: linkSignal }),
  [Kind.DatagramFromServer]: record({ c: linkChannel, p: peerBytes, t: timestamp }),
  [Kind.RoomList]: record({ rooms: fc.array(roomInfo, { maxLength: 8 }) }),
  [Kind.RefreshIceServers]: fc.constant({}),
  [Kind.IceServers]: optional(
    { iceServers: fc.array(iceServer, { maxLength: 8 }), iceTtlMs: fc.integer({ min: 1, max: 2 ** 31 }) },
    ['iceServers'],
  ),
  [Kind.RoomReply]: fc.oneof(
    optional({ q: uint32, ok: fc.constant(true as const), d: data }, ['q', 'ok']),
    optional(
      { q: uint32, ok: fc.constant(false as const), code: errorCode, message: reason, reason: roomType },
      ['q', 'ok', 'code', 'message'],
    ),
  ),
};

const validMessage: fc.Arbitrary<Message> = fc.oneof(
  ...Object.entries(bodyArbitraries).map(([kind, body]) =>
    body!.map((value) => ({ kind: Number(kind), body: value }) as Message),
  ),
);

describe('round-trip arbitraries', () => {
  it('cover every kind that has a schema', () => {
    expect(Object.keys(bodyArbitraries).map(Number).sort()).toEqual(
      Object.keys(schemaByKind).map(Number).sort(),
    );
  });
});
