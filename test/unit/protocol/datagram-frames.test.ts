import { decode, encode } from '@msgpack/msgpack';
import * as fc from 'fast-check';
import {
  clientToServerKinds,
  decodeFrame,
  ErrorCode,
  encodeDatagramFromServer,
  encodeDatagramToServer,
  encodeMessage,
  encodeTaggedDatagramFromServer,
  Kind,
  ProtocolError,
  readDatagramFromServerFrame,
  readSingleDatagramToServer,
  SINGLE_DATAGRAM_CHANNEL_AT,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { seededRandom } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { readClientRoomMessage } from '../../../src/protocol/room-message-frames.js';

const random = seededRandom(9);
const bytesOf = (length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
/** Every msgpack number width, both signs, floats, and the server clock's own values. */
const numbers = [
  0,
  -0,
  1,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  Date.now(),
  Number.MAX_SAFE_INTEGER,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  Number.MIN_SAFE_INTEGER,
  0.5,
  -1.25,
  1e300,
  2 ** 53,
  Date.now() + 0.25,
];
const lengths = [0, 1, 255, 256, 4_000, 16 * 1024];
/** Byte-for-byte equality, printed as hex when it fails (large frames make slow structural diffs). */
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}

describe('datagram frames (every input and snapshot in TCP mode)', () => {
  it('encodes DatagramFromServer byte for byte as the generic codec does', () => {
    for (const t of numbers)
      for (const length of lengths)
        for (const c of [0, 3]) {
          const p = bytesOf(length);
          expect(hexOf(encodeDatagramFromServer(c, p, t))).toBe(
            hexOf(encodeMessage(Kind.DatagramFromServer, { c, p, t })),
          );
        }
  });

  it('writes a tagged DatagramFromServer in place with the same bytes as the joined payload', () => {
    // 254 and 255 cross the bin 8 / bin 16 boundary once the tag is counted.
    for (const t of numbers)
      for (const length of [...lengths, 254, 65_534, 65_535])
        for (const tag of [0, 255]) {
          const body = bytesOf(length);
          const joined = new Uint8Array(1 + length);
          joined[0] = tag;
          joined.set(body, 1);
          expect(hexOf(encodeTaggedDatagramFromServer(0, tag, body, t))).toBe(
            hexOf(encodeMessage(Kind.DatagramFromServer, { c: 0, p: joined, t })),
          );
        }
  });

  it('encodes DatagramToServer byte for byte as the generic codec does, for every batch size', () => {
    for (const count of [1, 2, 15, 16, 17, 64])
      for (const c of [0, 1, 2, 3]) {
        const p = Array.from({ length: count }, (_, i) => bytesOf((i * 37) % 300));
        expect(hexOf(encodeDatagramToServer(c, p))).toBe(
          hexOf(encodeMessage(Kind.DatagramToServer, { c, p })),
        );
      }
  });

  it('decodes both to what the generic decoder gives for the same body', () => {
    for (const t of numbers) {
      const p = bytesOf(40);
      const frame = encodeDatagramFromServer(2, p, t);
      const decoded = decodeFrame(frame, serverToClientKinds);
      expect(decoded).toEqual({
        envelope: 'bare',
        message: { kind: Kind.DatagramFromServer, body: { c: 2, p, t: t + 0 } },
      }); // msgpack writes -0 as 0
      // The same body with its keys in another order takes the generic path to the same result.
      const reordered = Uint8Array.of(Kind.DatagramFromServer, ...encode({ t, p, c: 2 }));
      expect(decodeFrame(reordered, serverToClientKinds)).toEqual(decoded);
    }
    const batch = [bytesOf(3), bytesOf(200), bytesOf(16 * 1024)];
    const decoded = decodeFrame(encodeDatagramToServer(1, batch), clientToServerKinds);
    expect(decoded.message).toEqual({ kind: Kind.DatagramToServer, body: { c: 1, p: batch } });
    expect(decode(encodeDatagramToServer(1, batch).subarray(1))).toEqual({ c: 1, p: batch });
  });

  it('still refuses what the schema refuses, with the same codes', () => {
    const toServer = (body: unknown) => Uint8Array.of(Kind.DatagramToServer, ...encode(body));
    const one = [Uint8Array.of(1)];
    expect(codeOf(() => decodeFrame(toServer({ c: 4, p: one }), clientToServerKinds))).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    expect(codeOf(() => decodeFrame(toServer({ c: 0, p: [] }), clientToServerKinds))).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    const tooMany = Array.from({ length: 65 }, () => Uint8Array.of(1));
    expect(codeOf(() => decodeFrame(toServer({ c: 0, p: tooMany }), clientToServerKinds))).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    expect(
      codeOf(() => decodeFrame(toServer({ c: 0, p: [bytesOf(16 * 1024 + 1)] }), clientToServerKinds)),
    ).toBe(ErrorCode.INVALID_MESSAGE);
    const good = encodeDatagramToServer(0, one);
    expect(codeOf(() => decodeFrame(Uint8Array.of(...good, 0), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    expect(codeOf(() => decodeFrame(good.subarray(0, good.length - 1), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    // A server-to-client kind sent to the server is refused before any body is read.
    expect(
      codeOf(() => decodeFrame(encodeDatagramFromServer(0, one[0] as Uint8Array, 1), clientToServerKinds)),
    ).toBe(ErrorCode.UNKNOWN_KIND);
    const fromServer = (body: unknown) => Uint8Array.of(Kind.DatagramFromServer, ...encode(body));
    expect(
      codeOf(() => decodeFrame(fromServer({ c: 0, p: one[0], t: Number.NaN }), serverToClientKinds)),
    ).toBe(ErrorCode.INVALID_MESSAGE);
    expect(codeOf(() => decodeFrame(fromServer({ c: 0, p: one[0] }), serverToClientKinds))).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
  });
});

describe('one datagram read without a decoded frame (every TCP-mode input)', () => {
  /** What the generic decoder makes of `frame`: its channel and single payload, or undefined. */
  function generic(frame: Uint8Array): { c: number; p: Uint8Array } | undefined {
    try {
      const { message } = decodeFrame(frame, clientToServerKinds);
      if (message.kind !== Kind.DatagramToServer || message.body.p.length !== 1) return undefined;
      return { c: message.body.c, p: message.body.p[0] as Uint8Array };
    } catch {
      return undefined;
    }
  }

  it('gives the channel and payload the decoder gives, for one payload on channels 0-2', () => {
    for (const length of [0, 1, 255, 256, 16 * 1024])
      for (const c of [0, 1, 2]) {
        const p = bytesOf(length);
        const frame = encodeDatagramToServer(c, [p]);
        const payload = readSingleDatagramToServer(frame);
        expect(payload?.constructor).toBe(Uint8Array);
        expect(payload).toEqual(p);
        expect(frame[SINGLE_DATAGRAM_CHANNEL_AT]).toBe(c);
        expect(generic(frame)).toEqual({ c, p });
      }
    // From a Node Buffer (what ws hands over): a plain Uint8Array view, not a Buffer whose slice shares.
    const fromBuffer = readSingleDatagramToServer(Buffer.from(encodeDatagramToServer(0, [bytesOf(9)])));
    expect(fromBuffer?.constructor).toBe(Uint8Array);
  });

  it('leaves control, batches and anything malformed to the decoder, and accepts nothing it refuses', () => {
    expect(readSingleDatagramToServer(encodeDatagramToServer(3, [bytesOf(4)]))).toBeUndefined();
    expect(readSingleDatagramToServer(encodeDatagramToServer(0, [bytesOf(4), bytesOf(4)]))).toBeUndefined();
    expect(readSingleDatagramToServer(Uint8Array.of())).toBeUndefined();
    const oversize = Uint8Array.of(Kind.DatagramToServer, ...encode({ c: 0, p: [bytesOf(16 * 1024 + 1)] }));
    expect(readSingleDatagramToServer(oversize)).toBeUndefined();
    // Every byte of a valid frame changed, and every cut: whatever is read is what the decoder reads.
    const frame = encodeDatagramToServer(1, [bytesOf(300)]);
    for (let at = 0; at < 16; at++)
      for (const value of [0, 1, 2, 3, 4, 0x80, 0x90, 0x91, 0x92, 0xc4, 0xc5, 0xc6, 0xff]) {
        const changed = frame.slice();
        changed[at] = value;
        const payload = readSingleDatagramToServer(changed);
        if (payload !== undefined)
          expect(generic(changed)).toEqual({ c: changed[SINGLE_DATAGRAM_CHANNEL_AT], p: payload });
      }
    for (let length = 0; length < frame.length + 2; length++) {
      const cut = Uint8Array.of(...frame.subarray(0, length), ...(length > frame.length ? [0, 0] : []));
      const payload = readSingleDatagramToServer(cut);
      if (length === frame.length) expect(payload).toBeDefined();
      else expect(payload).toBeUndefined();
    }
  });
});

describe('a snapshot read without a decoded frame (every TCP-mode snapshot at the client)', () => {
  /** What the generic decoder makes of `frame`: its channel, payload and time, or undefined. */
  function generic(frame: Uint8Array): { c: number; p: Uint8Array; t: number } | undefined {
    try {
      const { envelope, message } = decodeFrame(frame, serverToClientKinds);
      if (envelope !== 'bare' || message.kind !== Kind.DatagramFromServer) return undefined;
      return { c: message.body.c, p: message.body.p, t: message.body.t };
    } catch {
      return undefined;
    }
  }
  const read = (frame: Uint8Array) => {
    const into = { c: -1, p: new Uint8Array(0), t: Number.NaN };
    return readDatagramFromServerFrame(frame, into) ? into : undefined;
  };

  it('gives the fields the decoder gives, as a plain Uint8Array also from a Node Buffer', () => {
    /** Compared as hex: structural diffs of large arrays are slow. */
    const printed = (fields: { c: number; p: Uint8Array; t: number } | undefined) =>
      fields && { c: fields.c, p: hexOf(fields.p), t: fields.t };
    for (const t of numbers)
      for (const length of lengths)
        for (const c of [0, 3]) {
          const frame = encodeDatagramFromServer(c, bytesOf(length), t);
          const fields = read(frame);
          expect(fields?.p.constructor).toBe(Uint8Array);
          expect(printed(fields)).toEqual(printed(generic(frame)));
        }
    const buffer = Buffer.from(encodeTaggedDatagramFromServer(0, 7, bytesOf(9), 1.5));
    const fields = read(buffer);
    expect(fields?.p.constructor).toBe(Uint8Array);
    expect(fields?.p).toEqual(Uint8Array.of(7, ...buffer.subarray(10, 19)));
  });

  it('leaves other shapes and anything malformed to the decoder, and accepts nothing it refuses', () => {
    const one = Uint8Array.of(1);
    // Keys in another order, or a sequenced envelope: the generic path.
    expect(read(Uint8Array.of(Kind.DatagramFromServer, ...encode({ t: 1, p: one, c: 0 })))).toBeUndefined();
    expect(read(encodeMessage(Kind.DatagramToServer, { c: 0, p: [one] }))).toBeUndefined();
    expect(read(Uint8Array.of())).toBeUndefined();
    const fromServer = (body: unknown) => Uint8Array.of(Kind.DatagramFromServer, ...encode(body));
    expect(read(fromServer({ c: 0, p: one, t: Number.NaN }))).toBeUndefined();
    expect(read(fromServer({ c: 4, p: one, t: 1 }))).toBeUndefined();
    expect(read(fromServer({ c: 0, p: bytesOf(16 * 1024 + 1), t: 1 }))).toBeUndefined();
    // Every byte of a valid frame changed, and every cut: whatever is read is what the decoder reads.
    const frame = encodeDatagramFromServer(2, bytesOf(300), Date.now() + 0.25);
    // The header up to the payload, and the time's key and number after it.
    const positions = [...Array(12).keys(), ...Array.from({ length: 12 }, (_, i) => frame.length - 12 + i)];
    for (const at of positions)
      for (const value of [0, 1, 2, 3, 4, 0x74, 0x80, 0x83, 0xa1, 0xc4, 0xc5, 0xc6, 0xcb, 0xff]) {
        const changed = frame.slice();
        changed[at] = value;
        const fields = read(changed);
        if (fields !== undefined) expect(fields).toEqual(generic(changed));
      }
    for (let length = 0; length < frame.length + 2; length++) {
      const cut = Uint8Array.of(...frame.subarray(0, length), ...(length > frame.length ? [0, 0] : []));
      if (length === frame.length) expect(read(cut)).toEqual(generic(frame));
      else expect(read(cut)).toBeUndefined();
    }
  });
});

describe('room messages as games send them (read by hand)', () => {
  const roomMessage = (body: unknown) => Uint8Array.of(Kind.ClientRoomMessage, ...encode(body));
  /** The same frame through the generic path: a body with one extra key that the schema strips. */
  const generic = (body: Record<string, unknown>) =>
    decodeFrame(roomMessage({ ...body, zz: 0 }), clientToServerKinds).message.body;

  it('gives exactly what the generic decoder and schema give', () => {
    const bodies: Array<Record<string, unknown>> = [
      { t: 'input', d: [12, 0.5, -1] },
      { t: 'input', m: 0, d: [12, 0.5, -1] },
      { t: 'input', m: 127, d: 3 },
      { t: 'input', m: 128, d: [] },
      { t: 'input', m: 255 },
      { t: 'i' },
      { t: 'x'.repeat(31), d: 7 },
      { t: 'y'.repeat(64), d: [true, false, null, 2 ** 40, -(2 ** 40), 1e-9, 255, -200] },
      { t: 'input', d: [] },
      { t: 'input', d: null },
      { t: 'input', d: Array.from({ length: 15 }, (_, i) => i * 1000.5) },
    ];
    for (const body of bodies) {
      const frame = encodeMessage(Kind.ClientRoomMessage, body as never);
      expect(readClientRoomMessage(frame, 1), JSON.stringify(body)).toBeDefined(); // read by hand
      expect(decodeFrame(frame, clientToServerKinds).message.body).toStrictEqual(generic(body));
    }
    // Shapes left to the generic path still decode there.
    for (const body of [
      { t: 'ünï', d: [1] },
      { t: 'nested', d: [[1], { a: 2 }] },
      { t: 's', d: 'text' },
      { t: 'order', d: [1], m: 2 },
    ])
      expect(decodeFrame(roomMessage(body), clientToServerKinds).message.body).toStrictEqual(body);
  });

  it('still refuses what the schema refuses, with the same codes', () => {
    expect(codeOf(() => decodeFrame(roomMessage({ t: '', d: [1] }), clientToServerKinds))).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    expect(codeOf(() => decodeFrame(roomMessage({ t: 'z'.repeat(65), d: [1] }), clientToServerKinds))).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    for (const m of [-1, 256, 1.5, '1', null]) {
      expect(codeOf(() => decodeFrame(roomMessage({ t: 'input', m, d: [1] }), clientToServerKinds))).toBe(
        ErrorCode.INVALID_MESSAGE,
      );
    }
    const good = roomMessage({ t: 'input', d: [1, 2, 3] });
    expect(codeOf(() => decodeFrame(Uint8Array.of(...good, 1), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    expect(codeOf(() => decodeFrame(good.subarray(0, good.length - 1), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    // A str8 header cut off after its first byte.
    expect(
      codeOf(() =>
        decodeFrame(Uint8Array.of(Kind.ClientRoomMessage, 0x81, 0xa1, 0x74, 0xd9), clientToServerKinds),
      ),
    ).toBe(ErrorCode.BAD_FRAME);
  });

  it('agrees with the generic decoder and schema on random bodies near the shape it reads', () => {
    const scalar = fc.oneof(fc.constantFrom(...numbers), fc.double(), fc.boolean(), fc.constant(null));
    const body = fc.record(
      {
        t: fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('input', 'ü', '')),
        // Numbers of every width, in and out of range, and what is not a number.
        m: fc.oneof(fc.integer({ min: -2, max: 300 }), fc.constantFrom(65_535, 1.5, '1', null, true)),
        d: fc.oneof(scalar, fc.array(scalar, { maxLength: 17 }), fc.string({ maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    const outcome = (run: () => { message: { body: unknown } }) => {
      try {
        return { body: run().message.body };
      } catch (error) {
        if (error instanceof ProtocolError) return { code: error.code };
        throw error;
      }
    };
    fc.assert(
      fc.property(body, fc.boolean(), (fields, dFirst) => {
        // Keys in the order the client writes them, or `d` before `m` (left to the generic path).
        const { m, d, ...rest } = fields;
        const ordered = dFirst ? { ...rest, d, m } : { ...rest, m, d };
        const present = Object.fromEntries(
          Object.entries(ordered).filter(([, value]) => value !== undefined),
        );
        const frame = roomMessage(present);
        expect(outcome(() => decodeFrame(frame, clientToServerKinds))).toStrictEqual(
          outcome(() => ({ message: { body: generic(present) } })),
        );
      }),
      { numRuns: 3_000 },
    );
  });
});
