import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A room that refuses a player asking to play alone once someone is in it (as a skill or version check would). */
class PickyRoom extends Room {
  override onJoin(_client: RoomClient, options: unknown): void {
    if (this.clients.length > 0 && (options as { alone?: boolean } | undefined)?.alone === true) {
      throw new Error('this room has players already');
    }
  }
}

/** Two nodes sharing one registry, each hosting one open room of 'picky' with a player in it. */
async function twoNodesWithARoomEach() {
  const registry = new MemoryRegistry();
  const a = await startServer({ picky: PickyRoom }, { registry, nodeId: 'node-a', nodeTtlMs: 600 });
  const b = await startServer({ picky: PickyRoom }, { registry, nodeId: 'node-b', nodeTtlMs: 600 });
  servers.push(a, b);
  const hostA = a.client();
  const hostB = b.client();
  await Promise.all([hostA.connect(), hostB.connect()]);
  const roomA = await hostA.create('picky');
  const roomB = await hostB.create('picky');
  return { a, b, roomA, roomB };
}

describe('a quick play that the rooms on two nodes refuse', () => {
  it('is not sent back to the node that sent it on: a room is created for it, as on one node', async () => {
    const { a, b, roomA, roomB } = await twoNodesWithARoomEach();
    const player = a.client();
    await player.connect();
    const moved: string[] = [];
    player.on('moved', ({ url }) => moved.push(url));
    // Node A's room refuses, so A sends the player to B's room; B's refuses too. B used to send the player
    // back to A's room (the oldest open one on another node), A back to B, until the client gave up.
    const room = await player.quickPlay('picky', { options: { alone: true } });
    expect(moved).toEqual([b.wsUrl]);
    expect(room.info.nodeId).toBe('node-b');
    expect([roomA.roomId, roomB.roomId]).not.toContain(room.roomId);
  });
});

/**
 * A node restarted after a crash under a new id (no `nodeId` given: a random one each start): until its
 * predecessor's record expires (`nodeTtlMs`), the registry lists a live-looking node at this node's own
 * URL, with rooms that died with it.
 */
async function restartedNodeWithItsPredecessorListed() {
  const registry = new MemoryRegistry();
  const node = await startServer({ test: TestRoom }, { registry, nodeId: 'node-new', nodeTtlMs: 600 });
  servers.push(node);
  await registry.heartbeat({ nodeId: 'node-old', url: node.wsUrl, draining: false, bootId: 'old' }, 60_000);
  const dead = {
    roomId: 'deadroom1',
    type: 'test',
    private: false,
    clients: 1,
    maxClients: 8,
    metadata: {},
    nodeId: 'node-old',
    locked: false,
    createdAt: 0,
  };
  await registry.addRoom(dead, ['someone-gone']);
  return { node, dead };
}

describe("a node's own URL, listed under its crashed predecessor's id", () => {
  it('is no place to send a quick play: the player is seated here, not sent to itself', async () => {
    const { node, dead } = await restartedNodeWithItsPredecessorListed();
    const player = node.client();
    await player.connect();
    const moved: string[] = [];
    player.on('moved', ({ url }) => moved.push(url));
    const room = await player.quickPlay('test');
    expect(room.roomId).not.toBe(dead.roomId);
    expect(room.info.nodeId).toBe('node-new');
    expect(moved).toEqual([]);
  });

  it('is no place to send a join of a room listed there: the room is not found', async () => {
    const { node, dead } = await restartedNodeWithItsPredecessorListed();
    const player = node.client();
    await player.connect();
    await expect(player.join(dead.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
  });
});

describe("a node draining while its crashed predecessor's record names the node's own URL", () => {
  it('sends its players nowhere rather than back to itself', async () => {
    const { node } = await restartedNodeWithItsPredecessorListed();
    const player = node.client();
    await player.connect();
    await player.create('test');
    const moved: string[] = [];
    player.on('moved', ({ url }) => moved.push(url));
    const closed = new Promise<string>((resolve) => player.on('closed', ({ code }) => resolve(code)));
    await node.server.drain({ deadlineMs: 0 });
    expect(await closed).toBe(ErrorCode.SERVER_DRAINING);
    expect(moved).toEqual([]);
  });
});

describe('a quick play followed from an entry URL longer than a redirect can name', () => {
  it('is asked again at the node it is sent to, and seated there', async () => {
    const registry = new MemoryRegistry();
    const a = await startServer({ picky: PickyRoom }, { registry, nodeId: 'node-a', nodeTtlMs: 600 });
    const b = await startServer({ picky: PickyRoom }, { registry, nodeId: 'node-b', nodeTtlMs: 600 });
    servers.push(a, b);
    const host = b.client();
    await host.connect();
    const hosted = await host.create('picky');
    // The query is the app's own (the server ignores it); the URL is past what a redirect names.
    const player = a.client({ url: `${a.wsUrl}?app=${'x'.repeat(600)}` });
    await player.connect();
    const room = await player.quickPlay('picky');
    expect(room.roomId).toBe(hosted.roomId);
  });
});
