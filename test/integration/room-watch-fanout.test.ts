import type { Client } from 'vehikill-net/client';
import { Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Session } from '../../src/server/sessions/session.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * What a listing change costs the node with many lobbies watching: one encoding per watched query,
 * whatever the watchers, and nothing piled up for a lobby that is away.
 */
let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await proxy?.close();
  proxy = undefined;
  await t?.close();
  t = undefined;
});

async function addRoom(server: TestServer, roomId: string): Promise<void> {
  await server.server.registry.addRoom({
    roomId,
    type: 'test',
    private: false,
    clients: 1,
    maxClients: 8,
    metadata: {},
    nodeId: server.server.nodeId,
    locked: false,
    createdAt: Date.now(),
  });
}

describe('lobby watch fan-out', () => {
  it('encodes each changed list once for all its watchers', async () => {
    t = await startServer({ test: TestRoom }, { roomListIntervalMs: 20 });
    const server = t;
    const lobbies = Array.from({ length: 8 }, () => server.client());
    await Promise.all(lobbies.map((lobby) => lobby.connect()));
    const watches = await Promise.all(lobbies.map((lobby) => lobby.watchRooms({ type: 'test' })));
    const sent = vi.spyOn(Session.prototype, 'sendEncoded');
    await addRoom(server, 'room1');
    await eventually(() => watches.every((watch) => watch.rooms.length === 1), 'every lobby heard');
    const lists = sent.mock.calls.map(([inner]) => inner).filter((inner) => inner[0] === Kind.RoomList);
    expect(lists.length).toBe(8);
    expect(new Set(lists).size).toBe(1);
  });

  it('queues no lists for a lobby that is away: it gets the newest one when it resumes', async () => {
    t = await startServer({ test: TestRoom }, { roomListIntervalMs: 20 });
    const server = t;
    proxy = new TcpProxy(server.port);
    await proxy.listen();
    const lobby: Client = server.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await lobby.connect();
    const lists: number[] = [];
    const watch = await lobby.watchRooms({ type: 'test' }, (rooms) => lists.push(rooms.length));
    let resumed = false;
    lobby.on('reconnect', (event) => {
      resumed = event.resumed;
    });
    proxy.block();
    proxy.dropAll();
    await eventually(() => lobby.state === 'reconnecting', 'the lobby away');
    await sleep(50);
    for (let i = 1; i <= 5; i++) {
      await addRoom(server, `room${i}`);
      await sleep(60); // each change a list of its own
    }
    expect(server.server.rooms.watchers.size).toBe(1);
    proxy.unblock();
    await eventually(() => resumed, 'the same session resumed');
    await eventually(() => watch.rooms.length === 5, 'the newest list');
    await sleep(100);
    expect(lists).toEqual([5]);
  });
});
