import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { receiveWholeFrames } from '../../src/server/connection/receive-whole-frames.js';
import { eventually } from '../support/server.js';

/**
 * `receiveWholeFrames` takes a client's small binary messages out of each TCP chunk itself, and leaves the
 * rest to `ws`: whatever frames arrive, cut wherever the network cuts them, the server must hear exactly
 * what `ws` alone would have given it, in order, and `ws` must still refuse what it refuses. The chunks
 * are handed to the server socket's receiver as its TCP socket would hand them, so that each cut is the
 * test's choice, not the kernel's.
 */

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

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
async function serverEnd(fast: boolean, maxPayload = 100 * 1024 * 1024): Promise<ServerEnd> {
  // No answers to pings: ws cuts a socket whose answers pile up unwritten, as they do here, where the test
  // hands the receiver its chunks faster than the socket could write.
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: false,
    maxPayload,
    autoPong: false,
  });
  servers.push(wss);
  await new Promise<void>((listening) => wss.once('listening', listening));
  const accepted = new Promise<WebSocket>((done) => wss.once('connection', done));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  clients.push(client);
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
    end.feed(
      Buffer.concat([
        frame(binary(bytesOf(100, 1))),
        frame(binary(bytesOf(101, 2))),
        frame(binary(bytesOf(5, 3))),
      ]),
    );
    expect(end.heard.map(({ bytes }) => bytes.length)).toEqual([100]);
    expect(await closed).toBe(1009);
    expect(end.errors).toEqual(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
  });

  it('leaves an unmasked frame to ws, which refuses it (a client must mask)', async () => {
    const end = await serverEnd(true);
    end.feed(
      Buffer.concat([frame(binary(bytesOf(4, 1))), frame({ ...binary(bytesOf(4, 2)), masked: false })]),
    );
    expect(end.heard).toHaveLength(1);
    await eventually(() => end.errors.length > 0, 'the error');
    expect(end.errors).toEqual(['WS_ERR_EXPECTED_MASK']);
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
    const end = await serverEnd(true);
    const closeFrame = frame({ fin: true, opcode: 0x8, payload: Uint8Array.of(0x03, 0xe8) });
    end.feed(Buffer.concat([frame(binary(bytesOf(4, 1))), closeFrame, frame(binary(bytesOf(4, 2)))]));
    end.feed(frame(binary(bytesOf(4, 3))));
    await eventually(() => end.socket.readyState === WebSocket.CLOSED, 'the socket closed');
    expect(end.heard).toHaveLength(1);
  });

  it('carries the real client messages of a ws client over TCP', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(wss);
    await new Promise<void>((listening) => wss.once('listening', listening));
    const heard: Heard[] = [];
    wss.on('connection', (socket) => {
      socket.binaryType = 'nodebuffer';
      receiveWholeFrames(socket);
      socket.on('message', (data, isBinary) =>
        heard.push({ bytes: Buffer.from(data as Buffer), binary: isBinary }),
      );
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    clients.push(client);
    await new Promise<void>((open) => client.once('open', open));
    // Compressed where ws chooses to (per-message deflate is on by default), some as text.
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
