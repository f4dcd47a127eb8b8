import { Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Session } from '../../src/server/sessions/session.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** What a listing change costs the node with many lobbies watching: one encoding per watched query. */
let t: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
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
});
