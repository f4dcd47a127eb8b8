import { Decoder, Encoder, encode } from '@msgpack/msgpack';
import * as fc from 'fast-check';
import {
  bodyProblem,
  clientToServerKinds,
  decodeFrame,
  ErrorCode,
  Kind,
  MAX_BODY_NESTING,
  MAX_DATA_DEPTH,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { nested, roomInfo } from './message-examples.js';
import { failure, raw, roomMessage } from './raw-frames.js';

/**
 * The decoder takes whatever fits the frame: no cap on counts or lengths, since every item needs bytes.
 * What bounds its work is `bodyProblem`, run first: a count the bytes left cannot hold is refused before
 * anything is allocated for it.
 */

describe('nesting', () => {
  it('is read up to MAX_BODY_NESTING arrays and maps deep, and refused unread past it', () => {
    const at = (levels: number) => Uint8Array.of(...new Array(levels).fill(0x91), 1);
    expect(MAX_BODY_NESTING).toBeGreaterThan(MAX_DATA_DEPTH + 2); // above every message's own nesting
    expect(bodyProblem(at(MAX_BODY_NESTING), 0)).toBeUndefined();
    expect(bodyProblem(at(MAX_BODY_NESTING + 1), 0)).toBe(`nested deeper than ${MAX_BODY_NESTING} levels`);
    // Empty arrays and maps hold nothing inside them: a long run of them nests nothing.
    expect(bodyProblem(Uint8Array.of(0xdc, 0, 100, ...new Array(100).fill(0x90)), 0)).toBeUndefined();
  });
});

describe('what fits a frame decodes', () => {
  it('arrays, maps, strings and bytes of any count that fits the frame', () => {
    const bodies = {
      // 22,500 tiles of a 150x150 map: about 45 KB, over the 16,384 items decoders took before.
      tiles: Array.from({ length: 150 * 150 }, (_, i) => i % 7),
      // One byte per item: a 64 KiB frame holds up to 65,000 or so.
      bytesOfArray: new Array(65_000).fill(1),
      keys: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i])),
      text: 'x'.repeat(200_000),
      blob: new Uint8Array(2 * 1024 * 1024),
    };
    for (const [name, d] of Object.entries(bodies)) {
      const decoded = decodeFrame(raw(Kind.ServerRoomMessage, roomMessage(d)), serverToClientKinds);
      // Compared as bytes: a deep comparison of two megabytes takes the test runner seconds.
      expect(
        Buffer.from(encode(decoded.message.body)).equals(Buffer.from(encode(roomMessage(d)))),
        name,
      ).toBe(true);
      expect(bodyProblem(encode(d), 0), name).toBeUndefined();
    }
  });

  it('a join answer carries state nested the full 16 levels (the answer wraps it one level down)', () => {
    const state = nested(MAX_DATA_DEPTH);
    const answer = { room: roomInfo, members: [], state, membership: 1 };
    const frame = raw(Kind.Response, { rid: 1, ok: true, result: answer });
    expect(decodeFrame(frame, serverToClientKinds).message.body).toEqual({
      rid: 1,
      ok: true,
      result: answer,
    });
    const deeper = raw(Kind.Response, {
      rid: 1,
      ok: true,
      result: { ...answer, state: nested(MAX_DATA_DEPTH + 1) },
    });
    expect(failure(() => decodeFrame(deeper, serverToClientKinds)).code).toBe(ErrorCode.INVALID_MESSAGE);
  });
});

describe('counts the frame cannot hold', () => {
  it('are refused before the decoder allocates for them', () => {
    // 8 KB of nested array headers, each claiming 16,000 items: decoders that allocate from the header
    // took seconds and hundreds of megabytes before finding the frame truncated.
    const headers = 2_730;
    const body = new Uint8Array(headers * 3);
    for (let i = 0; i < headers; i++) body.set([0xdc, 0x3e, 0x80], i * 3);
    const frame = Uint8Array.of(Kind.CreateRoom, ...body);
    const error = failure(() => decodeFrame(frame, clientToServerKinds));
    expect(error.code).toBe(ErrorCode.BAD_FRAME);
    // The scan's own refusal: the decoder, which allocates from the headers, never ran (it would have
    // found the frame truncated, seconds later). Said by the message, not by a time a loaded machine
    // could overrun.
    expect(error.message).toMatch(/more items than the bytes left/);
  });

  it('counts what every open array and map still owes, not each one alone', () => {
    // [[x, x], x]: the outer array owes one more item after the inner one's two.
    expect(bodyProblem(Uint8Array.of(0x92, 0x92, 1, 2, 3), 0)).toBeUndefined();
    expect(bodyProblem(Uint8Array.of(0x92, 0x92, 1, 2), 0)).toMatch(/truncated|more items/);
    expect(bodyProblem(Uint8Array.of(0x92, 0x93, 1, 2), 0)).toMatch(/more items/);
    // A map owes two items per entry.
    expect(bodyProblem(Uint8Array.of(0x83, 0xa1, 0x61, 1, 0xa1), 0)).toMatch(/more items/);
    expect(bodyProblem(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, 1), 0)).toMatch(/more items/);
  });
});

describe('bodyProblem', () => {
  const refused: Array<[string, number[]]> = [
    ['a __proto__ key', [0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 1]],
    ['a __proto__ key as a str8', [0x81, 0xd9, 9, ...new TextEncoder().encode('__proto__'), 1]],
    ['a nil key', [0x81, 0xc0, 1]],
    ['a boolean key', [0x81, 0xc3, 1]],
    ['a byte string key', [0x81, 0xc4, 1, 0, 1]],
    ['an array key', [0x81, 0x90, 1]],
    ['a map key', [0x81, 0x80, 1]],
    ['the unused type 0xc1', [0xc1]],
    ['a timestamp of 2 bytes', [0xd5, 0xff, 0, 0]],
    ['trailing bytes', [1, 2]],
    ['a truncated string', [0xa5, 0x61]],
    ['nothing', []],
  ];
  it.each(refused)('refuses %s, as the decoder does', (_name, bytes) => {
    const body = Uint8Array.from(bytes);
    expect(bodyProblem(body, 0)).toBeDefined();
    expect(
      failure(() => decodeFrame(Uint8Array.of(Kind.CreateRoom, ...body), clientToServerKinds)).code,
    ).toBe(ErrorCode.BAD_FRAME);
  });

  it('takes number keys, timestamps, and every value msgpack writes', () => {
    expect(bodyProblem(Uint8Array.of(0x82, 0x01, 0xc0, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 2), 0)).toBeUndefined();
    expect(bodyProblem(encode(new Date(1_700_000_000_123)), 0)).toBeUndefined();
    expect(bodyProblem(encode(new Date(-1)), 0)).toBeUndefined();
    const decoder = new Decoder();
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array(), (value, bytes) => {
        const body = encode([value, bytes, -1.5, 2 ** 40, -(2 ** 40)]);
        // JSON values may hold a __proto__ key, which both refuse.
        let decodes = true;
        try {
          decoder.decode(body);
        } catch {
          decodes = false;
        }
        expect(bodyProblem(body, 0) === undefined).toBe(decodes);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a 12-byte timestamp beyond a Date (INVALID_MESSAGE), and takes one at its very edge', () => {
    const timestamp = (nanoseconds: number, seconds: bigint) => {
      const data = new DataView(new ArrayBuffer(12));
      data.setUint32(0, nanoseconds);
      data.setBigInt64(4, seconds);
      return Uint8Array.of(0xc7, 12, 0xff, ...new Uint8Array(data.buffer));
    };
    for (const seconds of [2n ** 63n - 1n, -(2n ** 63n), 8_640_000_000_001n, -8_640_000_000_001n]) {
      const body = timestamp(0, seconds);
      expect(bodyProblem(body, 0), String(seconds)).toMatch(/beyond a Date/);
      const frame = Uint8Array.of(Kind.ClientRoomMessage, 0x82, 0xa1, 0x74, 0xa1, 0x78, 0xa1, 0x64, ...body);
      expect(failure(() => decodeFrame(frame, clientToServerKinds)).code).toBe(ErrorCode.INVALID_MESSAGE);
    }
    // The nanoseconds count too: the last second of a Date's range holds no more than 0 ms past it.
    expect(bodyProblem(timestamp(999_999_999, 8_640_000_000_000n), 0)).toMatch(/beyond a Date/);
    expect(bodyProblem(timestamp(0, 8_640_000_000_000n), 0)).toBeUndefined();
    expect(bodyProblem(encode(new Date(8.64e15)), 0)).toBeUndefined();
    expect(bodyProblem(encode(new Date(-8.64e15)), 0)).toBeUndefined();
  });

  it('agrees with the decoder on every truncation of a body', () => {
    const body = new Encoder().encode({ a: [1, 'two', { three: 3.5 }], b: new Uint8Array(3), c: true });
    for (let length = 0; length < body.length; length++) {
      expect(bodyProblem(body.subarray(0, length), 0), `first ${length} bytes`).toBeDefined();
    }
  });
});
