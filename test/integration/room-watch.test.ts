import type { Client } from 'vehikill-net/client';
import { RedisRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * Lobbies that follow the room listing live (`client.watchRooms`), against real servers: the list
 * follows rooms being made, filled, left and closed, on this node and (over Redis) on another.
 */
let servers: TestServer[] = [];
let registries: RedisRegistry[] = [];
let proxy: TcpProxy | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  await Promise.all(registries.map((registry) => registry.close()));
  registries = [];
  await redis?.stop();
  redis = undefined;
});

const seats = (rooms: readonly { roomId: string; clients: number }[]) =>
  rooms.map((room) => `${room.roomId}:${room.clients}`);

async function connected(server: TestServer, count: number): Promise<Client[]> {
  const clients = Array.from({ length: count }, () => server.client());
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

describe('watching the room listing', () => {
  it('follows rooms as they are made, filled, left and closed; full ones drop out', async () => {
    const server = await startServer({ test: TestRoom }, { roomListIntervalMs: 20, emptyDisposeMs: 50 });
    servers.push(server);
    const [lobby, alice, bob] = await connected(server, 3);
    const lists: string[][] = [];
    const watch = await (lobby as Client).watchRooms({ type: 'test' }, (rooms) => lists.push(seats(rooms)));
    expect(watch.rooms).toEqual([]);

    const room = await (alice as Client).create('test', { options: { maxClients: 2 } });
    await eventually(() => seats(watch.rooms).join() === `${room.roomId}:1`, 'the new room listed');
    await (bob as Client).join(room.roomId);
    await eventually(() => watch.rooms.length === 0, 'the full room left out (includeFull not asked)');
    await (bob as Client).room?.leave();
    await eventually(() => seats(watch.rooms).join() === `${room.roomId}:1`, 'a seat free again');
    await (alice as Client).room?.leave();
    await eventually(() => watch.rooms.length === 0, 'the emptied room disposed');
    // Every list differed from the one before it: unchanged lists are not sent.
    for (let i = 1; i < lists.length; i++) expect(lists[i]).not.toEqual(lists[i - 1]);
  });

  it('lists at most the limit asked, never more than the server allows: the oldest rooms', async () => {
    const server = await startServer(
      { test: TestRoom },
      { roomListIntervalMs: 20, maxRoomsListed: 3, emptyDisposeMs: 50 },
    );
    servers.push(server);
    const [lobby, ...hosts] = await connected(server, 5);
    const made: string[] = [];
    for (const host of hosts) made.push((await host.create('test')).roomId);
    expect((await (lobby as Client).listRooms({ type: 'test', limit: 2 })).map((r) => r.roomId)).toEqual(
      made.slice(0, 2),
    );
    expect((await (lobby as Client).listRooms({ type: 'test' })).map((r) => r.roomId)).toEqual(
      made.slice(0, 3),
    );
    expect((await (lobby as Client).listRooms({ limit: 1000 })).length).toBe(3);
    const watch = await (lobby as Client).watchRooms({ type: 'test', limit: 2 });
    expect(watch.rooms.map((r) => r.roomId)).toEqual(made.slice(0, 2));
    // The oldest closes: the next oldest moves up into the watched list.
    await hosts[0]?.room?.leave();
    await eventually(
      () => watch.rooms.map((r) => r.roomId).join() === made.slice(1, 3).join(),
      'the list moved up',
    );
    await expect((lobby as Client).listRooms({ limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
    });
  });

  it('stop() ends the lists, and a second watch replaces the first', async () => {
    const server = await startServer({ test: TestRoom }, { roomListIntervalMs: 20 });
    servers.push(server);
    const [lobby, alice] = await connected(server, 2);
    const first = await (lobby as Client).watchRooms({ type: 'other' });
    const second = await (lobby as Client).watchRooms({ type: 'test' });
    expect(first.ended).toBe(true);
    await (alice as Client).create('test');
    await eventually(() => second.rooms.length === 1, 'the second watch heard');
    expect(first.rooms).toEqual([]);
    await second.stop();
    await (alice as Client).room?.leave();
    await sleep(200);
    expect(second.rooms.length).toBe(1);
  });

  it('keeps watching across a new session after the old one expired', async () => {
    const server = await startServer({ test: TestRoom }, { roomListIntervalMs: 20, graceMs: 100 });
    servers.push(server);
    proxy = new TcpProxy(server.port);
    await proxy.listen();
    const lobby = server.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    const [alice] = await connected(server, 1);
    await lobby.connect();
    const watch = await lobby.watchRooms({ type: 'test' });
    let expired = false;
    lobby.on('session-expired', () => {
      expired = true;
    });
    // The lobby is cut off past the grace period: its session, and the watch with it, end on the server.
    proxy.block();
    proxy.dropAll();
    await sleep(400);
    proxy.unblock();
    await eventually(() => expired && lobby.state === 'open', 'a fresh session', 10_000);
    await (alice as Client).create('test');
    await eventually(() => watch.rooms.length === 1, 'the new session watches again');
    expect(watch.ended).toBe(false);
  });

  it('hears rooms made on another node sharing a Redis registry', async () => {
    redis = await startRedis();
    const url = redis.url;
    const options = async (nodeId: string) => {
      const registry = await RedisRegistry.connect({ url, keyPrefix: 'watch:' });
      registries.push(registry);
      return { registry, nodeId, roomListIntervalMs: 20 };
    };
    const nodeA = await startServer({ test: TestRoom }, await options('node-a'));
    const nodeB = await startServer({ test: TestRoom }, await options('node-b'));
    servers.push(nodeA, nodeB);
    const [lobby] = await connected(nodeA, 1);
    const [host] = await connected(nodeB, 1);
    const watch = await (lobby as Client).watchRooms({ type: 'test' });
    const room = await (host as Client).create('test');
    await eventually(
      () => watch.rooms.some((listed) => listed.roomId === room.roomId),
      'the other node’s room',
    );
    expect(watch.rooms.find((listed) => listed.roomId === room.roomId)?.nodeId).toBe('node-b');
  });
});
