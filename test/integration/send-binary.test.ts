import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServerOptions, WebSocket, WebSocketServer } from 'ws';
import { sendBinary } from '../../src/server/connection/send-binary.js';
import { eventually } from '../support/server.js';

/**
 * `sendBinary` frames small messages itself and writes them under `ws`: what a client receives must be
 * exactly what `socket.send` would have given it, in the order sent, whichever way each message went.
 */

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

interface Pair {
  readonly server: WebSocket;
  readonly client: WebSocket;
  /** Every message the client received, as bytes, and whether each came as binary. */
  readonly received: { bytes: Buffer; binary: boolean }[];
}

async function connectedPair(options: ServerOptions = { perMessageDeflate: false }): Promise<Pair> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(wss);
  await new Promise<void>((listening) => wss.once('listening', listening));
  const accepted = new Promise<WebSocket>((done) => wss.once('connection', done));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
    perMessageDeflate: options.perMessageDeflate !== false,
  });
  clients.push(client);
  const received: Pair['received'] = [];
  client.on('message', (data, binary) => received.push({ bytes: data as Buffer, binary }));
  await new Promise<void>((open) => client.once('open', open));
  return { server: await accepted, client, received };
}

/** A payload of `length` bytes that tells its place in a sequence apart from every other one's. */
function payload(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

describe('sendBinary', () => {
  it('gives the client every size of message exactly, in order, mixed with messages ws framed', async () => {
    const { server, received } = await connectedPair();
    // Each boundary of the header's length forms and of the one-piece limit, on both sides.
    const lengths = [0, 1, 125, 126, 127, 200, 4_091, 4_092, 4_093, 65_535, 65_536, 70_000];
    const sent: Uint8Array[] = [];
    lengths.forEach((length, i) => {
      const one = payload(length, i);
      const other = payload(length, i + 100);
      sendBinary(server, one);
      server.send(other);
      sent.push(one, other);
    });
    await eventually(() => received.length >= sent.length, 'every message at the client');
    expect(received).toHaveLength(sent.length);
    received.forEach(({ bytes, binary }, i) => {
      expect(binary).toBe(true);
      expect(new Uint8Array(bytes)).toEqual(sent[i]);
    });
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
    await eventually(() => received.length >= sent.length, 'every message at the client');
    expect(received).toHaveLength(sent.length);
    received.forEach(({ bytes }, i) => {
      expect(new Uint8Array(bytes)).toEqual(sent[i]);
    });
  });

  it('counts what waits for a client that does not read in bufferedAmount, as ws does', async () => {
    const { server, client, received } = await connectedPair();
    // The client stops reading: the kernel's buffers fill, then the server's socket queue.
    (client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const message = payload(4_000, 1);
    let sent = 0;
    while (server.bufferedAmount < 1_000_000 && sent < 20_000) {
      sendBinary(server, message);
      sent++;
    }
    expect(server.bufferedAmount).toBeGreaterThanOrEqual(1_000_000);
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    await eventually(() => received.length >= sent, 'every message at the client', 10_000);
    expect(received).toHaveLength(sent);
    expect(server.bufferedAmount).toBe(0);
    expect(new Uint8Array(received[sent - 1]?.bytes ?? [])).toEqual(message);
  });

  it('sends nothing after the close, without throwing, as ws does', async () => {
    const { server, client, received } = await connectedPair();
    sendBinary(server, payload(10, 1));
    server.close(1000, 'bye');
    expect(() => sendBinary(server, payload(10, 2))).not.toThrow();
    await new Promise<void>((closed) => client.once('close', () => closed()));
    expect(received.map(({ bytes }) => new Uint8Array(bytes))).toEqual([payload(10, 1)]);
  });
});
