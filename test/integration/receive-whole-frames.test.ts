import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { receiveWholeFrames } from '../../src/server/connection/receive-whole-frames.js';
import { eventually } from '../support/server.js';
import { wsSockets } from '../support/ws-sockets.js';

/**
 * `receiveWholeFrames` takes a client's small binary messages out of each TCP chunk itself, and leaves the
 * rest to `ws`: whatever frames arrive, cut wherever the network cuts them, the server must hear exactly
 * what `ws` alone would have given it, in order, and `ws` must still refuse what it refuses. The chunks
 * are handed to the server socket's receiver as its TCP socket would hand them, so that each cut is the
 * test's choice, not the kernel's.
 */

const sockets = wsSockets();

interface Heard {
  readonly bytes: Buffer;
  readonly binary: boolean;
}

interface ServerEnd {
  readonly socket: WebSocket;
  /** The client's end, which hears the server's close code. */
  readonly client: WebSocket;
  readonly heard: Heard[];
  readonly errors: string[];
  /** Hands `chunk` to the socket as its TCP socket's 'data' event does. */
  feed(chunk: Buffer): void;
  /** How many chunks (or rests of chunks) `ws`'s own parser took. */
  wsParses(): number;
}

/** A connected server-side socket, with the fast path when `fast`, and a client that sends nothing. */
async function serverEnd(
  fast: boolean,
  maxPayload = 100 * 1024 * 1024,
  allowSynchronousEvents = true,
): Promise<ServerEnd> {
  // No answers to pings: ws cuts a socket whose answers pile up unwritten, as they do here, where the test
  // hands the receiver its chunks faster than the socket could write.
  const { wss, url } = await sockets.server({
    perMessageDeflate: false,
    maxPayload,
    autoPong: false,
    allowSynchronousEvents,
  });
  const accepted = new Promise<WebSocket>((done) => wss.once('connection', done));
  const client = sockets.client(url);
  client.on('error', () => {});
  const socket = await accepted;
  socket.binaryType = 'nodebuffer';
  if (fast) receiveWholeFrames(socket);
  const receiver = (socket as unknown as { _receiver: { write(c: Buffer): boolean; _write: unknown } })
    ._receiver;
  let parses = 0;
  const parse = receiver._write as (...args: unknown[]) => void;
  receiver._write = (...args: unknown[]) => {
    parses++;
    parse.apply(receiver, args);
  };
  const heard: Heard[] = [];
  const errors: string[] = [];
  socket.on('message', (data, binary) => heard.push({ bytes: Buffer.from(data as Buffer), binary }));
  socket.on('error', (error) => errors.push((error as { code?: string }).code ?? 'unknown'));
  return { socket, client, heard, errors, feed: (chunk) => receiver.write(chunk), wsParses: () => parses };
}

interface FrameSpec {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Uint8Array;
  readonly masked?: boolean;
}

/** One frame as a client writes it: masked (unless told), with the shortest length form. */
function frame({ fin, opcode, payload, masked = true }: FrameSpec, maskSeed = 0x5a): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const mask = masked ? [maskSeed, maskSeed ^ 0x3c, maskSeed ^ 0xa5, 0x17] : [];
  const out = Buffer.alloc(2 + lengthBytes + mask.length + length);
  out[0] = (fin ? 0x80 : 0) | opcode;
  out[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) out.writeUInt16BE(length, 2);
  if (lengthBytes === 8) out.writeBigUInt64BE(BigInt(length), 2);
  const maskAt = 2 + lengthBytes;
  mask.forEach((byte, i) => {
    out[maskAt + i] = byte;
  });
  const payloadAt = maskAt + mask.length;
  for (let i = 0; i < length; i++)
    out[payloadAt + i] = (payload[i] as number) ^ (masked ? (mask[i & 3] as number) : 0);
  return out;
}

const binary = (payload: Uint8Array): FrameSpec => ({ fin: true, opcode: 0x2, payload });

/** A binary frame whose payload lies on the wire (masked) as `wire`, and the payload it carries. */
function frameCarrying(wire: Buffer, maskSeed: number): { frame: Buffer; payload: Buffer } {
  const mask = [maskSeed, maskSeed ^ 0x3c, maskSeed ^ 0xa5, 0x17];
  const payload = Buffer.from(wire.map((byte, i) => byte ^ (mask[i & 3] as number)));
  return { frame: frame(binary(payload), maskSeed), payload };
}

const bytesOf = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (seed * 13 + i * 7) & 0xff);

/** `bytes` cut at `cuts` (positions, any order, duplicates and out-of-range ones ignored). */
function cutAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    // A copy, as each TCP chunk is its own buffer (the fast path unmasks in place).
    chunks.push(Buffer.from(bytes.subarray(from, point)));
    from = point;
  }
  return chunks;
}

/** Any message a client may send: binary or text, small or not, whole or in fragments, with pings between. */
const messageArb = fc.oneof(
  fc.record({
    kind: fc.constant('binary' as const),
    // Around each length form's bounds: 7 bits, 16 bits (from 126), 64 bits (from 65,536).
    length: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 140 }), weight: 10 },
      { arbitrary: fc.integer({ min: 120, max: 300 }), weight: 5 },
      { arbitrary: fc.integer({ min: 65_530, max: 65_540 }), weight: 1 },
    ),
  }),
  fc.record({ kind: fc.constant('text' as const), length: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('ping' as const), length: fc.integer({ min: 0, max: 125 }) }),
  fc.record({ kind: fc.constant('fragmented' as const), length: fc.integer({ min: 2, max: 300 }) }),
);
type MessageSpec = typeof messageArb extends fc.Arbitrary<infer T> ? T : never;

/** The frames of `messages`, and what the server should hear from them. */
function framesOf(messages: readonly MessageSpec[]): { wire: Buffer; expected: Heard[] } {
  const frames: Buffer[] = [];
  const expected: Heard[] = [];
  messages.forEach(({ kind, length }, i) => {
    const payload = bytesOf(length, i);
    if (kind === 'binary') {
      frames.push(frame(binary(payload), i));
      expected.push({ bytes: Buffer.from(payload), binary: true });
    } else if (kind === 'text') {
      const text = Buffer.from('é'.repeat(length >> 1) + 'a'.repeat(length & 1));
      frames.push(frame({ fin: true, opcode: 0x1, payload: text }, i));
      expected.push({ bytes: text, binary: false });
    } else if (kind === 'ping') {
      frames.push(frame({ fin: true, opcode: 0x9, payload }, i));
    } else {
      // Two fragments with a ping between them, as the protocol allows.
      const half = length >> 1;
      frames.push(frame({ fin: false, opcode: 0x2, payload: payload.subarray(0, half) }, i));
      frames.push(frame({ fin: true, opcode: 0x9, payload: Uint8Array.of(1) }, i + 1));
      frames.push(frame({ fin: true, opcode: 0x0, payload: payload.subarray(half) }, i + 2));
      expected.push({ bytes: Buffer.from(payload), binary: true });
    }
  });
  return { wire: Buffer.concat(frames), expected };
}

describe('receiveWholeFrames', () => {
  it('takes whole binary frames itself: ws parses none of a chunk made of them', async () => {
    // The internals read are ws 8's: a new major version is a reason to read them again.
    const { version } = createRequire(import.meta.url)('ws/package.json') as { version: string };
    expect(version.split('.')[0]).toBe('8');
    const end = await serverEnd(true);
    const sent = [bytesOf(1, 1), bytesOf(125, 2), bytesOf(126, 3), bytesOf(4_000, 4), bytesOf(65_535, 5)];
    end.feed(Buffer.concat(sent.map((payload, i) => frame(binary(payload), i))));
    expect(end.heard).toEqual(sent.map((payload) => ({ bytes: Buffer.from(payload), binary: true })));
    expect(end.wsParses()).toBe(0);
    // A 64-bit length (65,536 bytes up) is ws's to read, and so is the rest of its chunk.
    const large = bytesOf(65_536, 6);
    end.feed(Buffer.concat([frame(binary(large)), frame(binary(bytesOf(3, 7)))]));
    expect(end.heard.slice(5).map(({ bytes }) => bytes.length)).toEqual([65_536, 3]);
    expect(end.wsParses()).toBe(1);
    // An empty one too: ws gives its shared empty Buffer, not a view that would hold the chunk.
    end.feed(frame(binary(new Uint8Array(0))));
    expect(end.heard.slice(7).map(({ bytes }) => bytes.length)).toEqual([0]);
    expect(end.wsParses()).toBe(2);
  });

  it("leaves to ws a client's socket, and a server's whose messages ws emits one per turn", async () => {
    const end = await serverEnd(true);
    // Before it opens, a socket has no receiver yet.
    const connecting = sockets.client(end.client.url);
    connecting.on('error', () => {});
    expect(() => receiveWholeFrames(connecting)).not.toThrow();
    await eventually(() => end.client.readyState === WebSocket.OPEN, 'the client open');
    receiveWholeFrames(end.client);
    const clientReceiver = (end.client as unknown as { _receiver: object })._receiver;
    expect(Object.hasOwn(clientReceiver, 'write')).toBe(false);
    const deferred = await serverEnd(true, undefined, false);
    deferred.feed(Buffer.concat([frame(binary(bytesOf(3, 1))), frame(binary(bytesOf(4, 2)))]));
    expect(deferred.heard).toEqual([]);
    await eventually(() => deferred.heard.length === 2, 'both messages');
    expect(deferred.heard.map(({ bytes }) => bytes.length)).toEqual([3, 4]);
  });

  it('hears exactly what ws alone hears, in order, whatever the frames and wherever the chunks are cut', async () => {
    const fast = await serverEnd(true);
    const plain = await serverEnd(false);
    await fc.assert(
      fc.asyncProperty(
        fc.array(messageArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(200_000), { maxLength: 30 }),
        async (messages, cuts) => {
          fast.heard.length = 0;
          plain.heard.length = 0;
          const { wire, expected } = framesOf(messages);
          for (const chunk of cutAt(wire, cuts)) fast.feed(chunk);
          for (const chunk of cutAt(wire, cuts)) plain.feed(chunk);
          expect(fast.heard).toEqual(expected);
          expect(plain.heard).toEqual(expected);
        },
      ),
      { numRuns: 120 },
    );
    expect(fast.errors).toEqual([]);
    expect(fast.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('leaves a frame over maxPayload to ws, which refuses it (1009) after delivering what came before', async () => {
    const end = await serverEnd(true, 100);
    const closed = new Promise<number>((done) => end.client.once('close', done));
    // A frame of maxPayload is within it: taken here.
    end.feed(frame(binary(bytesOf(100, 1))));
    expect(end.wsParses()).toBe(0);
    end.feed(Buffer.concat([frame(binary(bytesOf(101, 2))), frame(binary(bytesOf(5, 3)))]));
    expect(end.heard.map(({ bytes }) => bytes.length)).toEqual([100]);
    expect(await closed).toBe(1009);
    expect(end.errors).toEqual(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
    // maxPayload 0 is no limit, for ws and here.
    const unlimited = await serverEnd(true, 0);
    unlimited.feed(frame(binary(bytesOf(65_535, 4))));
    expect(unlimited.heard.map(({ bytes }) => bytes.length)).toEqual([65_535]);
    expect(unlimited.wsParses()).toBe(0);
  });

  it('leaves an unmasked frame to ws, which refuses it (a client must mask)', async () => {
    const end = await serverEnd(true);
    // Followed by more: read as if masked, the unmasked frame would end within the chunk.
    end.feed(
      Buffer.concat([
        frame(binary(bytesOf(4, 1))),
        frame({ ...binary(bytesOf(4, 2)), masked: false }),
        frame(binary(bytesOf(4, 3))),
      ]),
    );
    expect(end.heard).toHaveLength(1);
    await eventually(() => end.errors.length > 0, 'the error');
    expect(end.errors).toEqual(['WS_ERR_EXPECTED_MASK']);
  });

  it('leaves a frame with extension bits to ws, which refuses it (no extension agreed)', async () => {
    for (const [rsv, code] of [
      [0x40, 'WS_ERR_UNEXPECTED_RSV_1'],
      [0x20, 'WS_ERR_UNEXPECTED_RSV_2_3'],
      [0x10, 'WS_ERR_UNEXPECTED_RSV_2_3'],
    ] as const) {
      const end = await serverEnd(true);
      const flagged = frame(binary(bytesOf(4, 1)));
      flagged[0] = (flagged[0] as number) | rsv;
      end.feed(Buffer.concat([flagged, frame(binary(bytesOf(4, 2)))]));
      await eventually(() => end.errors.length > 0, 'the error');
      expect(end.errors).toEqual([code]);
      expect(end.heard).toEqual([]);
    }
  });

  it('leaves a chunk that starts inside a frame to ws, even where its bytes read as whole frames', async () => {
    // Cut after the mask: ws waits for the payload, holding nothing. The payload reads as two frames.
    const inner = Buffer.concat([frame(binary(bytesOf(3, 1)), 1), frame(binary(bytesOf(2, 2)), 2)]);
    const afterMask = frameCarrying(inner, 3);
    // Cut after the first byte: ws holds it. The rest (a length of 2, then a mask whose first byte is
    // 0x81) reads as a frame of 1 byte.
    const afterFirstByte = frame(binary(bytesOf(2, 4)), 0x81);
    const chunks = [
      afterMask.frame.subarray(0, 6),
      afterMask.frame.subarray(6),
      afterFirstByte.subarray(0, 1),
      afterFirstByte.subarray(1),
    ];
    const fast = await serverEnd(true);
    const plain = await serverEnd(false);
    for (const chunk of chunks) {
      fast.feed(Buffer.from(chunk));
      plain.feed(Buffer.from(chunk));
    }
    const expected = [afterMask.payload, Buffer.from(bytesOf(2, 4))].map((bytes) => ({
      bytes,
      binary: true,
    }));
    expect(plain.heard).toEqual(expected);
    expect(fast.heard).toEqual(expected);
    expect(fast.errors).toEqual([]);
  });

  it('delivers nothing after ws refused a frame that ended its chunk', async () => {
    const end = await serverEnd(true);
    // An unmasked frame's first two bytes, and nothing more: ws refuses it holding nothing. A socket resumed
    // after a pause hands over the chunks it kept one after another in one turn, before ws tells the error.
    end.feed(Buffer.from([0x82, 0x05]));
    end.feed(frame(binary(bytesOf(4, 1))));
    await eventually(() => end.errors.length > 0, 'the error');
    expect(end.errors).toEqual(['WS_ERR_EXPECTED_MASK']);
    expect(end.heard).toEqual([]);
  });

  it('leaves a whole binary frame inside an open fragmented message to ws, which refuses it', async () => {
    const end = await serverEnd(true);
    end.feed(frame({ fin: false, opcode: 0x2, payload: bytesOf(3, 1) }));
    // A new message before the open one's last fragment breaks the protocol, whole frame or not.
    end.feed(frame(binary(bytesOf(4, 2))));
    await eventually(() => end.errors.length > 0, 'the error');
    expect(end.errors).toEqual(['WS_ERR_INVALID_OPCODE']);
    expect(end.heard).toEqual([]);
  });

  it('delivers nothing sent after a close frame', async () => {
    const closeFrame = frame({ fin: true, opcode: 0x8, payload: Uint8Array.of(0x03, 0xe8) });
    // In the close frame's chunk, and after it; then with the close frame ending its chunk (ws holds
    // nothing, and its stream is ending).
    for (const chunks of [
      [Buffer.concat([frame(binary(bytesOf(4, 1))), closeFrame, frame(binary(bytesOf(4, 2)))])],
      [Buffer.concat([frame(binary(bytesOf(4, 1))), closeFrame])],
    ]) {
      const end = await serverEnd(true);
      for (const chunk of chunks) end.feed(Buffer.from(chunk));
      end.feed(frame(binary(bytesOf(4, 3))));
      await eventually(() => end.socket.readyState === WebSocket.CLOSED, 'the socket closed');
      expect(end.heard).toHaveLength(1);
    }
  });

  it('reads on from the next frame after a listener threw, taking no payload for frames', async () => {
    const end = await serverEnd(true);
    end.socket.on('message', (data) => {
      if ((data as Buffer).length === 1) throw new Error('a fault in the app');
    });
    // After the frame whose listener throws, in the same chunk: the start of a frame whose payload reads
    // as two frames.
    const inner = Buffer.concat([frame(binary(bytesOf(3, 1)), 1), frame(binary(bytesOf(2, 2)), 2)]);
    const carrier = frameCarrying(inner, 3);
    // The process goes on (an 'uncaughtException' listener, say): the error reaches the socket's emitter.
    expect(() =>
      end.feed(Buffer.concat([frame(binary(bytesOf(1, 4))), carrier.frame.subarray(0, 6)])),
    ).toThrow('a fault in the app');
    end.feed(Buffer.from(carrier.frame.subarray(6)));
    end.feed(frame(binary(bytesOf(4, 5))));
    expect(end.heard).toEqual(
      [Buffer.from(bytesOf(1, 4)), carrier.payload, Buffer.from(bytesOf(4, 5))].map((bytes) => ({
        bytes,
        binary: true,
      })),
    );
    expect(end.errors).toEqual([]);
  });

  it('gives messages as the socket binaryType asks, when a listener changes it', async () => {
    const end = await serverEnd(true);
    const kinds: string[] = [];
    end.socket.on('message', (data) => {
      kinds.push(
        Buffer.isBuffer(data) ? 'Buffer' : data instanceof ArrayBuffer ? 'ArrayBuffer' : typeof data,
      );
      end.socket.binaryType = kinds.length < 3 ? 'arraybuffer' : 'nodebuffer';
    });
    end.feed(Buffer.concat([frame(binary(bytesOf(3, 1))), frame(binary(bytesOf(4, 2)))]));
    end.feed(frame(binary(bytesOf(5, 3))));
    const parses = end.wsParses();
    // Back to Buffers: taken here again.
    end.feed(frame(binary(bytesOf(6, 4))));
    expect(kinds).toEqual(['Buffer', 'ArrayBuffer', 'ArrayBuffer', 'Buffer']);
    expect(end.heard.map(({ bytes }) => bytes.length)).toEqual([3, 4, 5, 6]);
    expect(end.wsParses()).toBe(parses);
  });

  it('carries the real client messages of a ws client over TCP', async () => {
    // Per-message deflate agreed (a ws server leaves it off unless asked), so that some frames come compressed.
    const { wss, url } = await sockets.server({ perMessageDeflate: true });
    const heard: Heard[] = [];
    wss.on('connection', (socket) => {
      socket.binaryType = 'nodebuffer';
      receiveWholeFrames(socket);
      socket.on('message', (data, isBinary) =>
        heard.push({ bytes: Buffer.from(data as Buffer), binary: isBinary }),
      );
    });
    const client = sockets.client(url);
    await new Promise<void>((open) => client.once('open', open));
    // Compressed where asked and ws's client finds it worth it (2,000 bytes: over its 1 KiB threshold), some as text.
    const sent: Heard[] = [];
    for (let i = 0; i < 300; i++) {
      const payload = Buffer.from(bytesOf([3, 200, 2_000][i % 3] as number, i));
      if (i % 7 === 0) {
        client.send(`text ${i}`);
        sent.push({ bytes: Buffer.from(`text ${i}`), binary: false });
      } else {
        client.send(payload, { compress: i % 5 === 0 });
        sent.push({ bytes: payload, binary: true });
      }
    }
    await eventually(() => heard.length === sent.length, 'every message at the server');
    expect(heard).toEqual(sent);
  });
});
