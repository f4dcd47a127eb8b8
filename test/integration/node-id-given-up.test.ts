import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectedClient as connected, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A rolling reload: a process under 'node-a', then a newer one under the same id, which the older gives
 * the id up to (it says so on the console, kept quiet here). A player connected to each.
 */
async function reloaded() {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  const registry = new MemoryRegistry();
  const start = async () => {
    const server = await startServer({ test: TestRoom }, { registry, nodeId: 'node-a', nodeTtlMs: 600 });
    servers.push(server);
    return server;
  };
  const older = await start();
  const onOlder = await connected(older);
  await expect.poll(async () => (await registry.listNodes()).length).toBe(1);
  const newer = await start();
  const onNewer = await connected(newer);
  await expect.poll(() => older.server.rooms.draining).toBe(true);
  return { older, newer, onOlder, onNewer };
}

describe('a process that gave its node id up to a newer one (a rolling reload)', () => {
  it('sends a creation to the newer process', async () => {
    const { onOlder, newer } = await reloaded();
    const room = await onOlder.create('test');
    expect(onOlder.url).toBe(newer.wsUrl);
    expect(newer.server.rooms.listings().map((listing) => listing.roomId)).toEqual([room.roomId]);
  });

  it('sends a quick play to the newer process, into its open room', async () => {
    const { onOlder, onNewer, newer } = await reloaded();
    const open = await onNewer.create('test');
    const room = await onOlder.quickPlay('test');
    expect(room.roomId).toBe(open.roomId);
    expect(onOlder.url).toBe(newer.wsUrl);
  });

  it("sends a join of the newer process's room, by id or by code, there", async () => {
    const { older, onOlder, onNewer, newer } = await reloaded();
    const open = await onNewer.create('test');
    expect((await onOlder.join(open.roomId)).roomId).toBe(open.roomId);
    expect(onOlder.url).toBe(newer.wsUrl);
    const party = await onNewer.create('test', { private: true });
    const friend = await connected(older);
    expect((await friend.joinByCode(party.info.code ?? '')).roomId).toBe(party.roomId);
    expect(friend.url).toBe(newer.wsUrl);
  });
});
