import { ManualClock, MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedClient as connected, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * Counts the adds of each room, and refuses those of `refusing` as a registry does when the room's private
 * code is another room's (a Redis back from an older snapshot that still lists a room under it).
 */
class RefusingRegistry extends MemoryRegistry {
  refusing: string | undefined;
  readonly adds = new Map<string, number>();

  override async addRoom(...args: Parameters<MemoryRegistry['addRoom']>): Promise<boolean> {
    const [listing] = args;
    this.adds.set(listing.roomId, (this.adds.get(listing.roomId) ?? 0) + 1);
    if (listing.roomId === this.refusing) return false;
    return super.addRoom(...args);
  }
}

const NODE_TTL_MS = 600;
/** The node heartbeats every third of its TTL. */
const BEAT_MS = NODE_TTL_MS / 3;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a node whose room the registry refuses to write again', () => {
  it('writes that room alone again, less and less often, not its whole listing at every heartbeat', async () => {
    const clock = new ManualClock();
    const registry = new RefusingRegistry({ clock });
    // Connection heartbeats out of the way: only node heartbeats move with the clock here.
    server = await startServer(
      { test: TestRoom },
      { registry, clock, nodeId: 'node-a', nodeTtlMs: NODE_TTL_MS, heartbeatMs: 600_000 },
    );
    const players = await Promise.all([connected(server), connected(server), connected(server)]);
    const [open1, open2, secret] = await Promise.all([
      players[0]?.create('test'),
      players[1]?.create('test'),
      players[2]?.create('test', { private: true }),
    ]);
    const ids = [open1?.roomId ?? '', open2?.roomId ?? '', secret?.roomId ?? ''] as const;
    const beat = async () => {
      clock.advance(BEAT_MS);
      // The memory registry answers in microtasks: the heartbeat and its writes are done after this.
      await new Promise((resolve) => setImmediate(resolve));
    };

    // The registry forgets the node (as a Redis restarted from an older dataset): the next heartbeat
    // writes every room back, and the private one is refused.
    registry.refusing = ids[2];
    await registry.removeNode('node-a');
    registry.adds.clear();
    for (let i = 0; i < 12; i++) await beat();

    expect(registry.adds.get(ids[0])).toBe(1);
    expect(registry.adds.get(ids[1])).toBe(1);
    // Refused at heartbeats 1, 2, 4 and 8: not at every one of the 12.
    expect(registry.adds.get(ids[2])).toBe(4);
    expect(await registry.getRoom(ids[2])).toBeUndefined();

    // What refused it is gone: the room is listed again within the longest wait.
    registry.refusing = undefined;
    for (let i = 0; i < 8 && (await registry.getRoom(ids[2])) === undefined; i++) await beat();
    expect((await registry.getRoom(ids[2]))?.roomId).toBe(ids[2]);
    // And not written again after that.
    const written = registry.adds.get(ids[2]);
    for (let i = 0; i < 10; i++) await beat();
    expect(registry.adds.get(ids[2])).toBe(written);
    expect(registry.adds.get(ids[0])).toBe(1);
  });
});
