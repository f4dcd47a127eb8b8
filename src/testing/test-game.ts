import type { Client, ClientOptions } from '../client/index.js';
import {
  GameServer,
  type GameServerOptions,
  type Room,
  type RoomClass,
  type RoomTypeOptions,
} from '../server/index.js';
import { testClient } from './test-client.js';

/** The room types of a test game: a class, or a class and its `define` options, by type name. */
export type TestRooms = Record<string, RoomClass | readonly [RoomClass, RoomTypeOptions]>;

/** A game server started for a test, and the clients the test made of it. */
export interface TestGame {
  readonly server: GameServer;
  readonly port: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** A Node client of this server (not connected yet), closed by `close()`. */
  client(options?: ClientOptions): Client;
  /** The server's own object of a room this server hosts (your Room subclass), or a TypeError. */
  room<R extends Room = Room>(roomId: string): R;
  /** Closes the clients made here, then the server at once (no drain). Calling it again does nothing more. */
  close(): Promise<void>;
}

/**
 * Starts a GameServer with `rooms` on 127.0.0.1, on a free port (`options` as `new GameServer` takes
 * them). Its clients are `testClient`s.
 */
export async function startTestGame(rooms: TestRooms, options: GameServerOptions = {}): Promise<TestGame> {
  const server = new GameServer({ host: '127.0.0.1', ...options });
  for (const [type, given] of Object.entries(rooms)) {
    if (Array.isArray(given)) server.define(type, given[0], given[1]);
    else server.define(type, given as RoomClass);
  }
  const { port, wsUrl, httpUrl } = await server.listen(0);
  const clients: Client[] = [];
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    wsUrl,
    httpUrl,
    client(clientOptions = {}) {
      if (closing) throw new Error('this test game is closed: start another one');
      const client = testClient(wsUrl, clientOptions);
      clients.push(client);
      return client;
    },
    room<R extends Room>(roomId: string): R {
      const room = server.localRoom(roomId);
      if (room === undefined) throw new TypeError(`no room ${roomId} on this test game's server`);
      return room as R;
    },
    close() {
      closing ??= (async () => {
        await Promise.all(clients.map((client) => client.close({ flushMs: 0 })));
        await server.close({ drainMs: 0 });
      })();
      return closing;
    },
  };
}
