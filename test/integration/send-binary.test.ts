import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ServerOptions, WebSocket } from 'ws';
import { sendBinary } from '../../src/server/connection/send-binary.js';
import { eventually } from '../support/server.js';
import { wsSockets } from '../support/ws-sockets.js';

/**
 * `sendBinary` frames small messages itself and writes them under `ws`: what a client receives must be
 * exactly what `socket.send` would have given it, in the order sent, whichever way each message went; and
 * the one-piece write must really be taken where it can be (it reads `ws` internals, which a new version of
 * `ws` may change: then it falls back to `send`, and the first test says so).
 */

const sockets = wsSockets();

interface Pair {
  readonly server: WebSocket;
  readonly client: WebSocket;
  /** Every message the client received, as bytes, and whether each came as binary. */
  readonly received: { bytes: Buffer; binary: boolean }[];
}

async function connectedPair(options: ServerOptions = { perMessageDeflate: false }): Promise<Pair> {
  const { wss, url } = await sockets.server(options);
  const accepted = new Promise<WebSocket>((done) => wss.once('connection', done));
  const client = sockets.client(url, { perMessageDeflate: options.perMessageDeflate !== false });
  const received: Pair['received'] = [];
  client.on('message', (data, binary) => received.push({ bytes: data as Buffer, binary }));
  await new Promise<void>((open) => client.once('open', open));
  return { server: await accepted, client, received };
}

/** The TCP socket under a `ws` WebSocket. */
const tcpOf = (socket: WebSocket) => (socket as unknown as { _socket: Socket })._socket;

/** Records every buffer written to `socket`'s TCP socket from now on (they still go out). */
function recordWrites(socket: WebSocket): Buffer[] {
  const tcp = tcpOf(socket);
  const writes: Buffer[] = [];
  const write = tcp.write.bind(tcp) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
  tcp.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    writes.push(Buffer.from(chunk));
    return write(chunk, ...rest);
  }) as typeof tcp.write;
  return writes;
}

/** A payload of `length` bytes that tells its place in a sequence apart from every other one's. */
function payload(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

const receivedBytes = (received: Pair['received']) => received.map(({ bytes }) => new Uint8Array(bytes));

async function receivedCount(received: Pair['received'], count: number, timeoutMs?: number): Promise<void> {
  await eventually(() => received.length >= count, `${count} messages at the client`, timeoutMs);
  expect(received).toHaveLength(count);
}

describe('sendBinary', () => {
  it('writes a small message as one unmasked frame, header and payload together', async () => {
    // The internals read are ws 8's: a new major version is a reason to read them again.
    const { version } = createRequire(import.meta.url)('ws/package.json') as { version: string };
    expect(version.split('.')[0]).toBe('8');
    const { server, received } = await connectedPair();
    const writes = recordWrites(server);
    sendBinary(server, Uint8Array.of(1, 2, 3));
    expect(writes.map((write) => write.toString('hex'))).toEqual(['8203010203']);
    // A 16-bit length from 126 bytes up, to the largest payload written in one piece.
    for (const length of [126, 4_091]) {
      writes.length = 0;
      const message = payload(length, length);
      sendBinary(server, message);
      expect(writes).toHaveLength(1);
      expect(writes[0]?.subarray(0, 4).toString('hex')).toBe(`827e${length.toString(16).padStart(4, '0')}`);
      expect(new Uint8Array(writes[0]?.subarray(4) ?? [])).toEqual(message);
    }
    // Past it, ws frames the message: its header and payload as two pieces.
    writes.length = 0;
    sendBinary(server, payload(4_092, 1));
    expect(writes).toHaveLength(2);
    await receivedCount(received, 4);
  });

  it('gives the client every size of message exactly, in order, mixed with messages ws framed', async () => {
    const { server, received } = await connectedPair();
    // Each boundary of the header's length forms and of the one-piece limit, on both sides.
    const lengths = [0, 1, 125, 126, 127, 200, 4_090, 4_091, 4_092, 65_535, 65_536, 70_000];
    const sent: Uint8Array[] = [];
    lengths.forEach((length, i) => {
      const one = payload(length, i);
      const other = payload(length, i + 100);
      sendBinary(server, one);
      server.send(other);
      sent.push(one, other);
    });
    // A view into a larger buffer: only its own bytes go.
    const whole = payload(64, 7);
    sendBinary(server, whole.subarray(5, 15));
    sent.push(whole.slice(5, 15));
    await receivedCount(received, sent.length);
    for (const { binary } of received) expect(binary).toBe(true);
    expect(receivedBytes(received)).toEqual(sent);
  });

  it('waits behind a message ws is still compressing rather than overtaking it', async () => {
    // Every message compressed: ws holds each one until its deflate finishes, then writes it.
    const { server, received } = await connectedPair({ perMessageDeflate: { threshold: 0 } });
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const compressed = new Uint8Array(3_000).fill(i);
      const small = payload(40, i);
      server.send(compressed);
      sendBinary(server, small);
      sent.push(compressed, small);
    }
    await receivedCount(received, sent.length);
    expect(receivedBytes(received)).toEqual(sent);
  });

  it('goes in one piece, uncompressed, between compressed messages once ws holds none', async () => {
    const { server, received } = await connectedPair({ perMessageDeflate: { threshold: 0 } });
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const compressed = new Uint8Array(3_000).fill(i);
      server.send(compressed);
      sent.push(compressed);
      await receivedCount(received, sent.length);
      const writes = recordWrites(server);
      const small = payload(40, i);
      sendBinary(server, small);
      sent.push(small);
      // One piece, not compressed (RSV1 clear): a compressed connection takes both kinds.
      expect(writes).toHaveLength(1);
      expect(writes[0]?.[0]).toBe(0x82);
    }
    await receivedCount(received, sent.length);
    expect(receivedBytes(received)).toEqual(sent);
  });

  it('inside a message sent in fragments, does what ws.send does', async () => {
    const { server, client, received } = await connectedPair();
    let closed = false;
    client.on('close', () => {
      closed = true;
    });
    server.send(Uint8Array.of(1, 1), { fin: false });
    sendBinary(server, Uint8Array.of(9));
    server.send(Uint8Array.of(2, 2));
    // ws.send would have ended the open message with it: no frame of its own breaks the message.
    await receivedCount(received, 2);
    expect(receivedBytes(received)).toEqual([Uint8Array.of(1, 1, 9), Uint8Array.of(2, 2)]);
    expect(closed).toBe(false);
  });

  it('on a client-side socket, leaves the framing to ws, which masks it', async () => {
    const { server, client } = await connectedPair();
    const heard: Buffer[] = [];
    server.on('message', (data) => heard.push(data as Buffer));
    const writes = recordWrites(client);
    sendBinary(client, Uint8Array.of(5, 6, 7));
    expect(writes.length).toBeGreaterThan(0);
    expect((writes[0]?.[1] ?? 0) & 0x80).toBe(0x80); // the mask bit
    await eventually(() => heard.length === 1, 'the message at the server');
    expect(new Uint8Array(heard[0] ?? [])).toEqual(Uint8Array.of(5, 6, 7));
  });

  it('counts what waits for a client that does not read in bufferedAmount, as ws does', async () => {
    const { server, client, received } = await connectedPair();
    // The client stops reading: the kernel's buffers fill, then the server's socket queue.
    tcpOf(client).pause();
    const message = payload(4_000, 1);
    let sent = 0;
    while (server.bufferedAmount < 1_000_000 && sent < 20_000) {
      sendBinary(server, message);
      sent++;
    }
    expect(server.bufferedAmount).toBeGreaterThanOrEqual(1_000_000);
    tcpOf(client).resume();
    await receivedCount(received, sent, 10_000);
    expect(server.bufferedAmount).toBe(0);
    expect(new Uint8Array(received[sent - 1]?.bytes ?? [])).toEqual(message);
  });

  it('writes nothing after the close frame, and does not throw', async () => {
    const { server, client, received } = await connectedPair();
    sendBinary(server, payload(10, 1));
    server.close(1000, 'bye');
    const writes = recordWrites(server);
    expect(() => sendBinary(server, payload(10, 2))).not.toThrow();
    expect(writes).toEqual([]);
    await new Promise<void>((closed) => client.once('close', () => closed()));
    expect(receivedBytes(received)).toEqual([payload(10, 1)]);
  });
});
