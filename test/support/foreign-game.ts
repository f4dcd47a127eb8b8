/**
 * The real server side of the tests of a client written from the documents (test/support/foreign-client.ts):
 * a GameServer on port 0 with the test file's room types, the foreign sessions opened on it, and both
 * closed after each test.
 */
import { GameServer, type GameServerOptions, type RoomClass } from 'vehikill-net/server';
import { afterEach } from 'vitest';
import { ForeignClient, session } from './foreign-client.js';

export interface ForeignGameUrls {
  httpUrl: string;
  wsUrl: string;
}

/** Call at the top of a test file: registers the `afterEach` that closes what the test opened. */
export function foreignGame(rooms: Record<string, RoomClass>, options: GameServerOptions = {}) {
  let server: GameServer | undefined;
  const clients: ForeignClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close({ drainMs: 0 });
    server = undefined;
  });
  return {
    /** A fresh server with the file's rooms, listening on port 0. */
    async start(): Promise<ForeignGameUrls> {
      server = new GameServer(options);
      for (const [name, room] of Object.entries(rooms)) server.define(name, room);
      const { httpUrl, wsUrl } = await server.listen(0);
      return { httpUrl, wsUrl };
    },
    /** A foreign client's socket opened with `token` (no hello yet), closed after the test. */
    async connect(urls: ForeignGameUrls, token: string): Promise<ForeignClient> {
      const client = await ForeignClient.connect(urls.wsUrl, token);
      clients.push(client);
      return client;
    },
    /** A foreign session from scratch (guest token, socket, hello, welcome), closed after the test. */
    async open(urls: ForeignGameUrls, name: string) {
      const opened = await session(urls.httpUrl, urls.wsUrl, name);
      clients.push(opened.client);
      return opened;
    },
  };
}
