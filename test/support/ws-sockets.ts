import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { type ClientOptions, type ServerOptions, WebSocket, WebSocketServer } from 'ws';

/** A bare `ws` server on loopback, listening, and its URL. */
export interface ListeningWs {
  readonly wss: WebSocketServer;
  readonly url: string;
}

/**
 * Bare `ws` servers and clients for tests of the server's own framing under `ws` (sendBinary,
 * receiveWholeFrames): each one opened through here is closed after every test of the file that calls this.
 */
export function wsSockets(): {
  server(options?: ServerOptions): Promise<ListeningWs>;
  client(url: string, options?: ClientOptions): WebSocket;
} {
  const servers: WebSocketServer[] = [];
  const clients: WebSocket[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  });
  return {
    async server(options = {}) {
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
      servers.push(wss);
      await new Promise<void>((listening) => wss.once('listening', listening));
      return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
    },
    client(url, options) {
      const client = new WebSocket(url, options);
      clients.push(client);
      return client;
    },
  };
}
