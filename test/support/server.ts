import type { Client, ClientOptions } from 'vehikill-net/client';
import {
  GameServer,
  type GameServerOptions,
  type RoomClass,
  type RoomTypeOptions,
} from 'vehikill-net/server';
import { testClient } from 'vehikill-net/testing';

export interface TestServer {
  server: GameServer;
  wsUrl: string;
  httpUrl: string;
  port: number;
  /** A Node client pointed at this server (or at `url`), with a guest token issued in-process. */
  client(options?: ClientOptions & { url?: string }): Client;
  close(): Promise<void>;
}

/**
 * Starts a real server on a free loopback port (or on `port`: a restart's new process on its
 * predecessor's) with the given room types (a class, or a class and its `define` options); `close()`
 * also closes clients.
 */
export async function startServer(
  rooms: Record<string, RoomClass | readonly [RoomClass, RoomTypeOptions]>,
  options: GameServerOptions = {},
  listenOn = 0,
): Promise<TestServer> {
  const server = new GameServer({ heartbeatMs: 1_000, ...options });
  for (const [type, given] of Object.entries(rooms)) {
    if (Array.isArray(given)) server.define(type, given[0], given[1]);
    else server.define(type, given as RoomClass);
  }
  const { port, wsUrl, httpUrl } = await server.listen(listenOn);
  const clients: Client[] = [];
  return {
    server,
    wsUrl,
    httpUrl,
    port,
    client(clientOptions = {}) {
      const client = testClient(clientOptions.url ?? wsUrl, clientOptions);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await server.close({ drainMs: 0 });
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A client of `server`, connected (a session open, in no room yet). */
export async function connectedClient(server: TestServer): Promise<Client> {
  const client = server.client();
  await client.connect();
  return client;
}
