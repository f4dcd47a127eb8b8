import { MemoryRegistry, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

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
